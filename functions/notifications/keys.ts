/**
 * Partition keys (`pk`) of the notifications tables. The config table and the config cache share the
 * `CONFIG#<key>` form, so an operator can compare an item in one with the same key in the other.
 */
export const configPk = (key: string): string => `CONFIG#${key}`;
export const userPk = (userId: string): string => `USER#${userId}`;
/** The login counter's fence: one item per sign-in it counted. */
export const countedPk = (eventId: string): string => `COUNTED#${eventId}`;
/** One audit entry per event: the detail-type keeps two events' entries apart even if ids ever met. */
export const auditPk = (detailType: string, eventId: string): string => `${detailType}#${eventId}`;
