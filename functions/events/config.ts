import * as z from 'zod/mini';
import { defineEvent, id } from 'courier/contracts';

export const CONFIG_SOURCE = 'courier.config';

const value = () => z.nullable(z.string().check(z.maxLength(4096)));

export const ConfigChangedV1 = defineEvent({
  source: CONFIG_SOURCE,
  detailType: 'config.changed.v1',
  description: 'A configuration key changed; null old_value means created, null new_value means deleted.',
  payload: {
    key: z.string().check(z.regex(/^[a-z][a-z0-9_.-]{0,127}$/)),
    old_value: value(),
    new_value: value(),
    changed_by: id(),
  },
});
