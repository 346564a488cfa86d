import { GetItemCommand } from '@aws-sdk/client-dynamodb';
import { UserLoginSucceededV1 } from '../events/identity';
import { consumer, dynamoClient, requiredEnv } from 'courier/runtime';
import { userPk } from './keys';
import { loginCountWrite } from './login-count';

const COUNTER_TABLE = requiredEnv('LOGIN_COUNTER_TABLE');

async function lastLoginAt(userId: string, signal: AbortSignal): Promise<string | undefined> {
  const out = await dynamoClient().send(
    new GetItemCommand({ TableName: COUNTER_TABLE, Key: { pk: { S: userPk(userId) } }, ProjectionExpression: 'last_login_at', ConsistentRead: true }),
    { abortSignal: signal },
  );
  return out.Item?.last_login_at?.S;
}

/**
 * Per-user sign-in counter. Exactly-once: `ADD logins` commits with the idempotency marker, so a
 * redelivery never counts twice.
 */
export const handler = consumer({
  events: [UserLoginSucceededV1],
  idempotency: { mode: 'optimistic' },
  orderingKey: (event) => event.detail.user_id,
  handle: async (event, { signal }) => ({
    writes: [loginCountWrite(COUNTER_TABLE, event.detail, await lastLoginAt(event.detail.user_id, signal))],
  }),
  onConditionFailed: async () => {
    // A newer sign-in moved last_login_at after our read; nothing was applied. The retry reads again.
    throw new Error('last_login_at moved since it was read; retrying with a fresh read');
  },
});
