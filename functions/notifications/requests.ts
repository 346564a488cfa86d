import * as z from 'zod/mini';
import { ConfigChangedV1 } from '../events/config';
import { UserLoginSucceededV1 } from '../events/identity';

/**
 * Request bodies of the notifications API, built from the contracts they announce: the API can never
 * accept a value its event would then reject (which would lose the request after a 202).
 */

/** `POST /logins`: the body is exactly the payload of `user.login_succeeded.v1` (strict). */
export const LoginRequest = UserLoginSucceededV1.payload;
export type LoginRequest = z.infer<typeof LoginRequest>;

const change = ConfigChangedV1.payload.shape;

/** `{key}` of `/config/{key}`: the pattern of `config.changed.v1`'s `key`. */
export const ConfigKey = change.key;

/** `PUT /config/{key}`: `null` deletes the value. */
export const PutConfigRequest = z.strictObject({ value: change.new_value, changed_by: change.changed_by });
export type PutConfigRequest = z.infer<typeof PutConfigRequest>;
