import * as z from 'zod/mini';
import { defineEvent, id, text } from 'courier/contracts';

export const IDENTITY_SOURCE = 'courier.identity';

export const UserLoginSucceededV1 = defineEvent({
  source: IDENTITY_SOURCE,
  detailType: 'user.login_succeeded.v1',
  description: 'A user signed in; broadcast to audit and per-user counters.',
  payload: {
    user_id: id(),
    ip: z.union([z.ipv4(), z.ipv6()], { error: 'Invalid IP address: expected IPv4 or IPv6' }),
    user_agent: text(512),
  },
});
