/**
 * Configuration from the environment the constructs set (docs/ARCHITECTURE.md § Shared conventions).
 * Called at module load, so a missing variable fails the cold start, not a request.
 */

/**
 * The value of an environment variable that must be set.
 * @example
 * const ORDERS_TABLE = requiredEnv('ORDERS_TABLE');
 */
export function requiredEnv(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`environment variable ${name} is not set`);
  return value;
}

/**
 * A positive integer from the environment, or `fallback` when unset.
 * @example
 * const maxAttempts = positiveIntEnv('MAX_ATTEMPTS', 8);
 */
export function positiveIntEnv(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value <= 0) throw new Error(`environment variable ${name} must be a positive integer, got "${raw}"`);
  return value;
}
