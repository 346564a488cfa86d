import { describe, expect, it } from 'vitest';
import { signingCaller } from '../../../scripts/local/api-callers';

/**
 * The local engine does not check SigV4 signatures (docs/LOCAL-ENGINE.md), so the scripts' signer is
 * checked here against AWS's published SigV4 test suite (credentials AKIDEXAMPLE, 2015-08-30T12:36:00Z,
 * region us-east-1, service "service").
 */
const credentials = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY' };
const at = new Date('2015-08-30T12:36:00Z');
const caller = signingCaller('test-suite', credentials, 'us-east-1', 'service');

describe('signingCaller (SigV4)', () => {
  it('get-vanilla: the signature the test suite publishes', async () => {
    const headers = await caller.sign({ method: 'GET', url: 'https://example.amazonaws.com/', headers: {} }, at);
    expect(headers['x-amz-date']).toBe('20150830T123600Z');
    expect(headers.authorization).toBe(
      'AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31',
    );
  });

  it('post-x-www-form-urlencoded: a signed body and content type', async () => {
    const headers = await caller.sign(
      { method: 'POST', url: 'https://example.amazonaws.com/', headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, body: 'Param1=value1' },
      at,
    );
    expect(headers.authorization).toBe(
      'AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=content-type;host;x-amz-date, Signature=ff11897932ad3f4e8b18135d722051e5ac45fc38421b1da7b9d196a0fe09473a',
    );
  });

  it('a session signs its token and names execute-api by default', async () => {
    const session = signingCaller('s', { ...credentials, sessionToken: 'token-1' }, 'eu-west-1');
    const headers = await session.sign({ method: 'GET', url: 'http://127.0.0.1:4566/_aws/execute-api/abc/$default/orders/o1', headers: {} }, at);
    expect(headers['x-amz-security-token']).toBe('token-1');
    expect(headers.authorization).toMatch(/^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE\/20150830\/eu-west-1\/execute-api\/aws4_request, SignedHeaders=host;x-amz-date;x-amz-security-token, Signature=[0-9a-f]{64}$/);
  });
});
