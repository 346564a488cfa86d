import * as z from 'zod/mini';
import { defineEvent, id } from 'courier/contracts';
import { line, lines, sku } from './fields';

export const INVENTORY_SOURCE = 'courier.inventory';

export const InventoryReservedV1 = defineEvent({
  source: INVENTORY_SOURCE,
  detailType: 'inventory.reserved.v1',
  description: 'Stock for every line of an order was reserved.',
  payload: {
    order_id: id(),
    lines: lines(),
  },
});

export const InventoryRejectedV1 = defineEvent({
  source: INVENTORY_SOURCE,
  detailType: 'inventory.rejected.v1',
  description: 'An order could not be reserved; nothing was taken from stock.',
  payload: {
    order_id: id(),
    reason: z.enum(['out_of_stock', 'unknown_sku']),
    /** The skus that caused the rejection. */
    skus: z.array(sku()).check(z.minLength(1), z.maxLength(100)),
  },
});

export const InventoryReleasedV1 = defineEvent({
  source: INVENTORY_SOURCE,
  detailType: 'inventory.released.v1',
  description:
    'An order.cancelled.v1 was applied: what the order held went back to stock (lines), or nothing was held (empty: rejected, or cancelled before it was reserved, which fences a late reservation out).',
  payload: {
    order_id: id(),
    /** What went back to stock; empty when the order held nothing. */
    lines: z.array(line()).check(z.maxLength(100)),
  },
});
