import { DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { GetQueueAttributesCommand } from '@aws-sdk/client-sqs';
import { beforeEach, describe, expect, it } from 'vitest';
import { classifyError, CliError, EXIT } from '../../../bin/cli/context';
import { NotDeployed } from '../../../bin/cli/discovery';
import { main, TOP } from '../../../bin/cli/main';
import { mocks, resetMocks, testContext } from './fixture';

describe('courier main: parsing, help and exit codes', () => {
  beforeEach(() => resetMocks());

  it('prints the command list with --help (exit 0) and without a command (exit 2, on stderr)', async () => {
    const a = testContext();
    expect(await main(['--help'], a.ctx)).toBe(0);
    expect(a.out.stdout).toContain('courier dlq redrive');
    expect(a.out.stdout).toContain('courier trace');
    const b = testContext();
    expect(await main([], b.ctx)).toBe(2);
    expect(b.out.stderr).toContain('usage: courier <command>');
  });

  it('has --help on every command and subcommand', async () => {
    const names = TOP.flatMap((x) => ('commands' in x ? [x.name, ...x.commands.map((c) => c.name)] : [x.name]));
    expect(names).toEqual(expect.arrayContaining(['dlq', 'dlq list', 'dlq show', 'dlq redrive', 'replay', 'outbox status', 'outbox retry', 'failed list', 'failed retry', 'trace']));
    for (const name of names) {
      const { ctx, out } = testContext();
      expect(await main([...name.split(' '), '--help'], ctx), name).toBe(0);
      expect(out.stdout, name).toMatch(/^usage: courier /);
    }
  });

  it.each([
    [['frobnicate'], "unknown command 'frobnicate'"],
    [['dlq'], 'missing dlq command'],
    [['dlq', 'purge'], "unknown command 'dlq purge'"],
    [['dlq', 'show'], 'missing argument <consumer|queue>'],
    [['dlq', 'list', '--bogus'], "Unknown option '--bogus'"],
    [['dlq', 'list', 'extra'], "unexpected argument 'extra'"],
    [['dlq', 'show', 'x', '--limit'], "Option '--limit <value>' argument missing"],
    [['dlq', 'show', 'inventory-orders', '--limit', 'ten'], '--limit must be an integer'],
    [['replay', '--to', '2026-01-01T00:00:00Z'], 'missing --from'],
    [['replay', '--from', 'yesterday', '--to', '2026-01-01T00:00:00Z'], '--from must be an ISO-8601 time'],
    [['trace'], 'missing argument <event-id|key>'],
  ])('exits 2 with usage on misuse: %j', async (argv, message) => {
    const { ctx, out } = testContext();
    expect(await main(argv, ctx)).toBe(EXIT.usage);
    expect(out.stderr).toContain(message);
    expect(out.stderr).toContain('usage:');
    expect(out.stdout).toBe('');
  });

  it('exits 5 on an unknown consumer and lists the known ones', async () => {
    const { ctx, out } = testContext();
    expect(await main(['dlq', 'show', 'nope'], ctx)).toBe(5);
    expect(out.stderr).toContain("unknown consumer or queue 'nope'");
    expect(out.stderr).toContain('known consumers: inventory-orders, orders-progress');
  });

  it('exits 5 on an unknown service', async () => {
    const { ctx, out } = testContext();
    expect(await main(['outbox', 'status', '--service', 'billing'], ctx)).toBe(5);
    expect(out.stderr).toContain('services with an outbox: orders');
  });

  it('exits 4 when no courier stack is deployed', async () => {
    mocks.cfn.on(DescribeStacksCommand).resolves({ Stacks: [{ StackName: 'Other', StackStatus: 'CREATE_COMPLETE', CreationTime: new Date(), Outputs: [] }] });
    const { ctx, out } = testContext({ deployment: null });
    expect(await main(['dlq', 'list'], ctx)).toBe(4);
    expect(out.stderr).toContain('no courier stacks found');
    expect(out.stderr).toContain('hint:');
  });

  it('exits 3 with a hint when there are no credentials or the endpoint is unreachable', async () => {
    const noCreds = Object.assign(new Error('Could not load credentials from any providers'), { name: 'CredentialsProviderError' });
    mocks.sqs.on(GetQueueAttributesCommand).rejects(noCreds);
    const a = testContext();
    expect(await main(['dlq', 'list'], a.ctx)).toBe(3);
    expect(a.out.stderr).toContain('no usable AWS credentials');
    expect(a.out.stderr).toContain('hint: set AWS_PROFILE');

    mocks.cfn.on(DescribeStacksCommand).rejects(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:4566'), { code: 'ECONNREFUSED' }));
    const b = testContext({ deployment: null });
    expect(await main(['dlq', 'list'], b.ctx)).toBe(3);
    expect(b.out.stderr).toContain('endpoint unreachable');
  });

  it('classifies errors', () => {
    expect(classifyError(new NotDeployed('x')).exitCode).toBe(4);
    expect(classifyError(new CliError('refused', 1, 'do this')).hint).toBe('do this');
    expect(classifyError(Object.assign(new Error('bad token'), { name: 'UnrecognizedClientException' })).exitCode).toBe(3);
    expect(classifyError(Object.assign(new Error('x'), { name: 'TimeoutError' })).exitCode).toBe(3);
    expect(classifyError(Object.assign(new Error('nope'), { name: 'AccessDeniedException' })).exitCode).toBe(3);
    expect(classifyError(new Error('boom'))).toEqual({ exitCode: 1, message: 'boom' });
  });
});

describe('courier main: stage, app and plugins', () => {
  it('takes --stage and --app anywhere on the command line and scopes discovery to <stage>-<app>', async () => {
    const seen: string[] = [];
    const { ctx } = testContext({ deployment: null });
    mocks.cfn.on(DescribeStacksCommand).callsFake(() => {
      seen.push('describe');
      return {
        Stacks: [
          { StackName: 'a-CourierMessaging', StackStatus: 'CREATE_COMPLETE', CreationTime: new Date(), Outputs: [{ OutputKey: 'CourierBus', Description: 'courier:bus', OutputValue: JSON.stringify({ kind: 'bus', busName: 'bus-a' }) }] },
          { StackName: 'b-CourierMessaging', StackStatus: 'CREATE_COMPLETE', CreationTime: new Date(), Outputs: [{ OutputKey: 'CourierBus', Description: 'courier:bus', OutputValue: JSON.stringify({ kind: 'bus', busName: 'bus-b' }) }] },
        ],
      };
    });
    const { discover } = await import('../../../bin/cli/discovery');
    expect((await discover(ctx.clients.cfn, { stage: 'a' })).bus?.busName).toBe('bus-a');
    expect((await discover(ctx.clients.cfn, { stage: 'b', app: 'Courier' })).bus?.busName).toBe('bus-b');
    await expect(discover(ctx.clients.cfn, { stage: 'c' })).rejects.toThrow(/no courier stacks found in stage c/);
    expect(seen).toHaveLength(3);
  });

  it('discovers again when --stage narrows a context that already knows a deployment', async () => {
    const { ctx, out } = testContext();
    mocks.cfn.on(DescribeStacksCommand).resolves({ Stacks: [] });
    expect((await ctx.deployment()).bus).toBeDefined();
    expect(await main(['dlq', 'list', '--stage', 'b'], ctx)).not.toBe(0);
    expect(mocks.cfn.commandCalls(DescribeStacksCommand).length).toBeGreaterThan(0);
    expect(out.stderr).toMatch(/no courier stacks found in stage b/);
  });

  it('refuses to mix two apps of one stage', async () => {
    const { ctx } = testContext({ deployment: null });
    const bus = (stack: string) => ({ StackName: stack, StackStatus: 'CREATE_COMPLETE' as const, CreationTime: new Date(), Outputs: [{ OutputKey: 'CourierBus', Description: 'courier:bus', OutputValue: JSON.stringify({ kind: 'bus', busName: stack }) }] });
    mocks.cfn.on(DescribeStacksCommand).resolves({ Stacks: [bus('dev-CourierMessaging'), bus('dev-ShippingMessaging')] });
    const { discover } = await import('../../../bin/cli/discovery');
    await expect(discover(ctx.clients.cfn, { stage: 'dev' })).rejects.toThrow(/more than one courier app .*pass --app/);
    expect((await discover(ctx.clients.cfn, { stage: 'dev', app: 'Shipping' })).bus?.busName).toBe('dev-ShippingMessaging');
  });

  it('rejects a malformed stage and a global flag without a value, with usage', async () => {
    const { ctx, out } = testContext();
    expect(await main(['dlq', 'list', '--stage', 'Prod_1'], ctx)).toBe(2);
    expect(out.stderr).toContain('--stage must match');
    expect(await main(['dlq', 'list', '--stage'], ctx)).toBe(2);
    expect(out.stderr).toContain('--stage needs a value');
  });

  it('loads an unknown plugin as an error naming it', async () => {
    const { loadPlugins } = await import('../../../bin/cli/plugins');
    await expect(loadPlugins(['/nonexistent/plugin.mjs'])).rejects.toThrow(/unknown plugin \/nonexistent\/plugin\.mjs/);
    await expect(loadPlugins(['node:path'])).rejects.toThrow(/exports no courier plugin/);
  });
});
