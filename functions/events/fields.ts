import * as z from 'zod/mini';

/** Field builders of the reference domains (the generic ones come from courier/contracts). */

/** Stock-keeping unit: upper-case letters, digits and dashes. */
export const sku = () => z.string().check(z.regex(/^[A-Z0-9][A-Z0-9-]{0,31}$/));

/** Order lines: at least one, at most 100, each a sku and a quantity ≥ 1. */
export const lines = () =>
  z.array(z.strictObject({ sku: sku(), qty: z.int().check(z.gte(1), z.lte(10_000)) })).check(z.minLength(1), z.maxLength(100));
