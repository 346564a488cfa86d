import { CliError, EXIT } from './context.js';
import type { ConsumerInfo } from './discovery.js';

/**
 * What a consumer deployed before it published its horizon keeps markers for: the runtime's old
 * default (48 h). Assumed for consumers whose discovery output has no `idempotencyHorizonSeconds`.
 */
export const LEGACY_HORIZON_SECONDS = 48 * 3600;

/** One event (or the oldest of a set) about to be delivered again, and the consumers that will receive it. */
export interface Redelivery {
  /** When the event happened (epoch ms): its marker expires one horizon after it was completed, no earlier. */
  at: number;
  consumers: readonly Pick<ConsumerInfo, 'name' | 'idempotencyHorizonSeconds'>[];
  /** How to name it in a message, e.g. `event 01J…` or `the window from 2026-01-01`. */
  label?: string;
}

const horizonOf = (c: Pick<ConsumerInfo, 'idempotencyHorizonSeconds'>) => (c.idempotencyHorizonSeconds ?? LEGACY_HORIZON_SECONDS) * 1000;
const days = (ms: number) => `${Math.round((ms / 86_400_000) * 10) / 10} days`;

/**
 * The guard of every command that sends events to consumers again (`replay`, `failed retry`, `dlq
 * redrive`): a consumer whose idempotency marker for an event has expired runs it again as if new, so
 * an event older than a receiving consumer's horizon may apply its effect twice. Throws a CliError
 * naming the consumers and events concerned unless `force`; with `force` returns those facts as
 * warnings to print. Returns [] when every event is inside every receiver's horizon.
 *
 * @example
 * const warnings = horizonCheck('redrive', [{ at: oldestSentAt, consumers: [consumer], label: 'the oldest DLQ message' }], ctx.now(), force);
 * for (const w of warnings) ctx.out.err(`warning: ${w}\n`);
 */
export function horizonCheck(action: string, redeliveries: readonly Redelivery[], now: number, force = false): string[] {
  const stale = redeliveries.flatMap((r) =>
    r.consumers
      .filter((c) => now - r.at > horizonOf(c))
      .map((c) => `${r.label ?? `event from ${new Date(r.at).toISOString()}`} is ${days(now - r.at)} old; ${c.name} keeps idempotency markers for ${days(horizonOf(c))}`),
  );
  if (stale.length === 0) return [];
  const shown = stale.slice(0, 5).concat(stale.length > 5 ? [`… and ${stale.length - 5} more`] : []);
  const consequence = 'its marker has expired, so the consumer runs it again as a new event: an effect it already applied is applied twice';
  if (force) return [`--force: ${action} re-runs events older than a receiver's idempotency horizon (${consequence})`, ...shown];
  throw new CliError(
    `${action} refused: ${shown.join('; ')}. For such an event ${consequence}`,
    EXIT.usage,
    `limit the ${action} to events inside the horizon, or pass --force if running them again is what you want`,
  );
}
