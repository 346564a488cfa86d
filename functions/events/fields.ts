import * as z from 'zod/mini';

/** Field builders of the reference domains (the generic ones come from courier/contracts). */

/** Stock-keeping unit: upper-case letters, digits and dashes. */
export const sku = () => z.string().check(z.regex(/^[A-Z0-9][A-Z0-9-]{0,31}$/));

/** One line: a sku and a quantity ≥ 1. */
export const line = () => z.strictObject({ sku: sku(), qty: z.int().check(z.gte(1), z.lte(10_000)) });

/** Order lines: at least one, at most 100. */
export const lines = () => z.array(line()).check(z.minLength(1), z.maxLength(100));
