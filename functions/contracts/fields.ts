import * as z from 'zod/mini';

/** Field builders for event payloads, so every domain bounds the same things the same way. */

/**
 * Identifiers on the wire: non-empty, at most 128 characters, no whitespace or control characters.
 *
 * @example
 * const payload = { order_id: id(), user_id: id() };
 */
export const id = () => z.string().check(z.minLength(1), z.maxLength(128), z.regex(/^[A-Za-z0-9][A-Za-z0-9_.:@-]*$/));

/**
 * The most any amount on the wire may be, in minor units (1e11: a billion in a two-decimal currency):
 * the bound `minorUnits()` checks, for checking an amount before it becomes an event.
 *
 * @example
 * if (total > MAX_MINOR_UNITS) throw new HttpError(400, 'total_minor: too large');
 */
export const MAX_MINOR_UNITS = 100_000_000_000;

/**
 * Money in integer minor units (cents), never a float: 0 to `MAX_MINOR_UNITS`.
 *
 * @example
 * const payload = { total_minor: minorUnits(), currency: currency() };
 */
export const minorUnits = () => z.int().check(z.gte(0), z.lte(MAX_MINOR_UNITS));

/**
 * An ISO 4217 currency code: three upper-case letters (`EUR`), beside a `minorUnits()` amount.
 *
 * @example
 * const payload = { total_minor: minorUnits(), currency: currency() };
 */
export const currency = () => z.string().check(z.regex(/^[A-Z]{3}$/));

/**
 * Bounded free text (reasons, user agents): non-empty, at most `max` characters.
 *
 * @example
 * const payload = { order_id: id(), reason: z.optional(text(500)) };
 */
export const text = (max: number) => z.string().check(z.minLength(1), z.maxLength(max));
