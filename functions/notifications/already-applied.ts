import type { BusinessConditionFailed, HandlerContext } from 'courier/runtime';

/**
 * `onConditionFailed` for writes whose condition failing means "this effect (or a newer one) is
 * already there": acknowledge, so the record is marked done instead of retried or quarantined.
 */
export const acknowledgeAlreadyApplied =
  (what: string) =>
  async (error: BusinessConditionFailed, _event: unknown, context: HandlerContext): Promise<void> => {
    context.log.info(`${what}; acknowledged without change`, { held: error.item });
  };
