import { ConfigChangedV1 } from '../events/config';
import { UserLoginSucceededV1 } from '../events/identity';
import { consumer, requiredEnv } from 'courier/runtime';
import { acknowledgeAlreadyApplied } from './already-applied';
import { auditWrite } from './audit-entry';

const AUDIT_TABLE = requiredEnv('AUDIT_TABLE');

/**
 * Audit log of every broadcast event. Exactly-once: the entry commits with the idempotency marker. An
 * entry that exists anyway (a replay after the marker expired) is left as it was.
 */
export const handler = consumer({
  events: [UserLoginSucceededV1, ConfigChangedV1],
  idempotency: { mode: 'optimistic' },
  handle: async (event) => ({ writes: [auditWrite(AUDIT_TABLE, event, new Date())] }),
  onConditionFailed: acknowledgeAlreadyApplied('audit entry already recorded'),
});
