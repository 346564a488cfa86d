import { Readable } from 'node:stream';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { vi } from 'vitest';

/** One request that reached the wire: `DynamoDB_20120810.BatchExecuteStatement` → service + operation. */
export interface WireCall {
  service: string;
  operation: string;
  input: any;
}

export type Route = (call: WireCall) => unknown;

/**
 * Answers AWS JSON-protocol requests (DynamoDB, EventBridge, SQS) in-process, under the SDK: every
 * client's middleware, serialisation and parsing runs as for real, only the socket is replaced
 * (NodeHttpHandler.prototype.handle). A route returns the output, or throws an error whose `name` and
 * own fields (Item, CancellationReasons…) become the 400 response, as AWS sends them.
 * Unlike aws-sdk-client-mock, which replaces `send`, this lets SDK middleware be tested.
 */
export function stubAwsHttp(route: Route) {
  const calls: WireCall[] = [];
  const spy = vi.spyOn(NodeHttpHandler.prototype, 'handle').mockImplementation(async (request: any) => {
    const target = String(request.headers['x-amz-target'] ?? request.headers['X-Amz-Target'] ?? '');
    const [service = '', operation = ''] = target.split('.');
    const call = { service, operation, input: JSON.parse(String(request.body ?? '{}')) };
    calls.push(call);
    try {
      return { response: reply(200, (await route(call)) ?? {}) };
    } catch (error) {
      const { name, message, $metadata: _m, $fault: _f, ...fields } = error as Record<string, unknown> & { name: string; message: string };
      return { response: reply(400, { __type: name, message, ...fields }) };
    }
  });
  return { calls, of: (operation: string) => calls.filter((c) => c.operation === operation), restore: () => spy.mockRestore() };
}

function reply(statusCode: number, body: unknown) {
  return {
    statusCode,
    headers: { 'content-type': 'application/x-amz-json-1.0' },
    body: Readable.from([Buffer.from(JSON.stringify(body))]),
  };
}

/** What the runtime's shared clients need to sign requests in a test process. */
export function testAwsEnvironment(): void {
  process.env.AWS_REGION = 'eu-west-1';
  process.env.AWS_ACCESS_KEY_ID = 'test';
  process.env.AWS_SECRET_ACCESS_KEY = 'test';
  delete process.env.AWS_PROFILE;
}
