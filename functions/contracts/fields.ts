import * as z from 'zod/mini';

/** Field builders for event payloads, so every domain bounds the same things the same way. */

/** Identifiers on the wire: non-empty, bounded, no whitespace or control characters. */
export const id = () => z.string().check(z.minLength(1), z.maxLength(128), z.regex(/^[A-Za-z0-9][A-Za-z0-9_.:@-]*$/));

/** The most any amount on the wire may be, in minor units (1e11: a billion in a two-decimal currency). */
export const MAX_MINOR_UNITS = 100_000_000_000;

/** Money in integer minor units (cents), never a float. */
export const minorUnits = () => z.int().check(z.gte(0), z.lte(MAX_MINOR_UNITS));

/** ISO 4217 currency code. */
export const currency = () => z.string().check(z.regex(/^[A-Z]{3}$/));

/** Bounded free text (reasons, user agents). */
export const text = (max: number) => z.string().check(z.minLength(1), z.maxLength(max));
