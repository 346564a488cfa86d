/**
 * How the ops CLI finds courier resources in deployed stacks (documented in docs/ARCHITECTURE.md by the
 * lead; summarised here):
 *
 * - Every stack output whose key starts with `Courier` and whose description starts with `courier:` is
 *   a JSON object describing one component: `kind` (`bus`, `consumer`, `outbox`, `failed-messages`),
 *   its name and service, and the names/URLs/ARNs of its queues, rule, functions, tables and alarms.
 *   Keys: `CourierBus`, `CourierAlarmTopic`, `CourierConsumer<PascalName>`, `CourierOutbox<PascalService>`,
 *   `CourierFailedMessages<PascalService>`.
 * - Tags on the resources themselves, for tag-based lookups (Resource Groups Tagging API, consoles):
 *   `courier:service`, `courier:consumer` (consumer resources), `courier:component`
 *   (`outbox` / `failed-messages`) and `courier:role` (`queue`, `dlq`, `target-dlq`, `function`,
 *   `relay`, `relay-dlq`, `sweeper`, `retrier`, `table`).
 */
export const TAG_SERVICE = 'courier:service';
export const TAG_CONSUMER = 'courier:consumer';
export const TAG_COMPONENT = 'courier:component';
export const TAG_ROLE = 'courier:role';
export const OUTPUT_PREFIX = 'Courier';

/** `inventory-reserve` → `InventoryReserve`. */
export function pascal(name: string): string {
  return name
    .split(/[^A-Za-z0-9]+/)
    .filter(Boolean)
    .map((part) => part[0]!.toUpperCase() + part.slice(1))
    .join('');
}

/** Stable output logical id for a component: `Courier<Kind><PascalName>`. */
export function outputId(kind: string, name = ''): string {
  return `${OUTPUT_PREFIX}${kind}${pascal(name)}`;
}
