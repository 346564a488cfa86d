import { replayNamePrefix } from '../../functions/contracts/conventions.js';
import type { ConsumableEvent } from '../../functions/contracts/foreign.js';

/** Which replayed events a consumer's rule lets through (replayed events carry `replay-name`). */
export type ReplayAcceptance = 'addressed' | 'all' | 'none';

/** What {@link consumerRulePattern} builds a rule's pattern from: the consumer's own props. */
export interface RulePatternInput {
  /** The consumer's name: replays addressed to it are named `<name>.<…>` (see `replayNamePrefix`). */
  readonly name: string;
  /** The events the rule matches (their `source` and `detail-type`). */
  readonly events: readonly ConsumableEvent[];
  /**
   * Source → the account that publishes it, for sources other accounts own.
   * @default - no account is matched
   */
  readonly sourceAccounts?: Readonly<Record<string, string>>;
  /** Which replayed events get through (`ConsumerProps.replays`). */
  readonly replays: ReplayAcceptance;
}

/**
 * The event pattern of a consumer's rule (as the CloudFormation `EventPattern` JSON):
 * - `source` and `detail-type` of its events;
 * - for a source another account publishes, that `account` too (grouped with `$or` when the consumer
 *   mixes sources of several accounts), so a publisher that may use the bus cannot pass for another;
 * - `replay-name`: live events only (`none`), live events and replays addressed to this consumer by name
 *   (`addressed`: `[{"exists": false}, {"prefix": "<name>."}]`), or everything (`all`, no clause).
 *
 * @example
 * consumerRulePattern({ name: 'points-ledger', events: [OrderCreatedV1], replays: 'addressed' });
 * // { source: ['courier.orders'], 'detail-type': ['order.created.v1'],
 * //   'replay-name': [{ exists: false }, { prefix: 'points-ledger.' }] }
 */
export function consumerRulePattern(input: RulePatternInput): Record<string, unknown> {
  const sources = [...new Set(input.events.map((e) => e.source))];
  const byAccount = new Map<string | undefined, string[]>();
  for (const source of sources) {
    const account = input.sourceAccounts?.[source];
    byAccount.set(account, [...(byAccount.get(account) ?? []), source]);
  }
  const groups = [...byAccount].map(([account, groupSources]) => ({ source: groupSources, ...(account === undefined ? {} : { account: [account] }) }));
  return {
    ...(groups.length === 1 ? groups[0] : { $or: groups }),
    'detail-type': input.events.map((e) => e.detailType),
    ...replayClause(input.name, input.replays),
  };
}

function replayClause(name: string, replays: ReplayAcceptance): Record<string, unknown> {
  if (replays === 'all') return {};
  if (replays === 'none') return { 'replay-name': [{ exists: false }] };
  return { 'replay-name': [{ exists: false }, { prefix: replayNamePrefix(name) }] };
}
