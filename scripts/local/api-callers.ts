import { createHash, createHmac } from 'node:crypto';
import { AssumeRoleCommand, type STSClient } from '@aws-sdk/client-sts';
import { SignatureV4 } from '@smithy/signature-v4';
import { ON_BEHALF_OF_PERMISSION, permissionRoleOutputKey } from '../../functions/contracts/api-auth';
import { CONFIG_WRITE } from '../../functions/notifications/permissions';

/**
 * Callers of the deployed HTTP APIs as the demo, the e2e suite and the chaos run play them: every request
 * is signed with AWS SigV4 (service `execute-api`) with the credentials of an IAM role the stacks create
 * (`ApiRole<Permission>` outputs), assumed through STS — as a service or an operator would on AWS.
 */
export interface AwsCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

export interface ApiCaller {
  /** For messages: what this caller is. */
  readonly name: string;
  /** The request's headers plus `authorization`, `x-amz-date` (and `x-amz-security-token`), signed `at` (default now). */
  sign(request: { method: string; url: string; headers: Record<string, string>; body?: string | Uint8Array }, at?: Date): Promise<Record<string, string>>;
}

const bytes = (data: ArrayBuffer | ArrayBufferView): Uint8Array =>
  ArrayBuffer.isView(data) ? new Uint8Array(data.buffer, data.byteOffset, data.byteLength) : new Uint8Array(data);

/** SHA-256 (and HMAC-SHA-256 with a secret) on node:crypto, in the shape the SigV4 signer takes. */
class Sha256 {
  private hash;
  private readonly secret?: string | Uint8Array;
  constructor(secret?: string | ArrayBuffer | ArrayBufferView) {
    this.secret = secret === undefined || typeof secret === 'string' ? secret : bytes(secret);
    this.hash = this.secret === undefined ? createHash('sha256') : createHmac('sha256', this.secret);
  }
  update(data: string | ArrayBuffer | ArrayBufferView): void {
    this.hash.update(typeof data === 'string' ? data : bytes(data));
  }
  async digest(): Promise<Uint8Array> {
    return new Uint8Array(this.hash.digest());
  }
  reset(): void {
    this.hash = this.secret === undefined ? createHash('sha256') : createHmac('sha256', this.secret);
  }
}

/** A caller signing with fixed credentials, e.g. an assumed role's session (`service`: the signing name). */
export function signingCaller(name: string, credentials: AwsCredentials, region: string, service = 'execute-api'): ApiCaller {
  // No x-amz-content-sha256 header: execute-api does not need it (as with curl --aws-sigv4).
  const signer = new SignatureV4({ service, region, credentials, sha256: Sha256, applyChecksum: false });
  return {
    name,
    async sign({ method, url, headers, body }, at) {
      const u = new URL(url);
      const signed = await signer.sign({
        method,
        protocol: u.protocol,
        hostname: u.hostname,
        port: u.port ? Number(u.port) : undefined,
        path: decodeURIComponent(u.pathname),
        query: Object.fromEntries(u.searchParams),
        headers: { ...headers, host: u.host },
        body,
      }, at ? { signingDate: at } : {});
      return signed.headers;
    },
  };
}

/** Assumes `roleArn` (session named after the caller) and signs with the session's credentials. */
export async function assumedRoleCaller(sts: STSClient, name: string, roleArn: string, region: string): Promise<ApiCaller> {
  const { Credentials: c } = await sts.send(new AssumeRoleCommand({ RoleArn: roleArn, RoleSessionName: name, DurationSeconds: 3600 }));
  if (!c?.AccessKeyId || !c.SecretAccessKey) throw new Error(`AssumeRole ${roleArn} returned no credentials`);
  return signingCaller(name, { accessKeyId: c.AccessKeyId, secretAccessKey: c.SecretAccessKey, sessionToken: c.SessionToken }, region);
}

/** The callers the local scripts use, each a session of the role for its permission. */
export interface ApiCallers {
  /** Orders API, `users:on-behalf-of`: places orders for customers, reads and cancels any (a checkout service, support staff). */
  ordersAgent: ApiCaller;
  /** Notifications API, `users:on-behalf-of`: records sign-ins for the users it authenticated (an identity service). */
  identityService: ApiCaller;
  /** Notifications API, `config:write`: changes configuration (an operator). */
  configAdmin: ApiCaller;
}

/** Assumes the roles named by the `ApiRole<Permission>` outputs of the stacks `<stackPrefix><Component>`. */
export async function apiCallers(sts: STSClient, outputs: Record<string, Record<string, string> | undefined>, region: string, stackPrefix: string): Promise<ApiCallers> {
  const role = (component: string, permission: string) => {
    const stack = `${stackPrefix}${component}`;
    const arn = outputs[stack]?.[permissionRoleOutputKey(permission)];
    if (!arn) throw new Error(`stack ${stack} has no output ${permissionRoleOutputKey(permission)} (the role for ${permission}); deploy again`);
    return arn;
  };
  const [ordersAgent, identityService, configAdmin] = await Promise.all([
    assumedRoleCaller(sts, 'courier-orders-agent', role('Orders', ON_BEHALF_OF_PERMISSION), region),
    assumedRoleCaller(sts, 'courier-identity-service', role('Notifications', ON_BEHALF_OF_PERMISSION), region),
    assumedRoleCaller(sts, 'courier-config-admin', role('Notifications', CONFIG_WRITE), region),
  ]);
  return { ordersAgent, identityService, configAdmin };
}
