import { CloudFormationClient, DeleteStackCommand, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { bufferOutput, createContext, main, type DlqListRow } from '../../bin/cli/index';
import { deployToEngine } from '../../bin/cli/local/deploy';
import { applyEngineEnv } from '../../bin/cli/local/engine';
import { waitFor } from '../../scripts/local/system';
import { freshSystem } from './system';

const STAGE = 'b';
// Dependants before the messaging stack they import from.
const STACKS = ['Orders', 'Inventory', 'Risk', 'Points', 'Notifications', 'Messaging'].map((s) => `${STAGE}-Courier${s}`);

/**
 * Two stages of the app side by side on one engine (issue 13): the whole app again as stage `b`, next to
 * the `dev` deployment the suite runs on. Every name is its own, and `courier --stage b` sees stage b's
 * queues only: a message dead-lettered in b shows in b's list and not in dev's.
 */
describe('a second stage on the same engine', () => {
  let cfn: CloudFormationClient;
  let sqs: SQSClient;

  beforeAll(async () => {
    const endpoint = inject('endpoint');
    applyEngineEnv(endpoint);
    cfn = new CloudFormationClient({});
    sqs = new SQSClient({ useQueueUrlAsEndpoint: false });
    await freshSystem({});
    await deployToEngine({ endpoint, engine: 'ministack' }, { stage: STAGE, log: (l) => process.stderr.write(`[stages] ${l}\n`) });
  });

  afterAll(async () => {
    // Dependants first; the engine keeps no state worth keeping between runs, so a failed delete only warns.
    for (const StackName of STACKS) {
      await cfn.send(new DeleteStackCommand({ StackName })).catch((e: Error) => process.stderr.write(`[stages] delete ${StackName}: ${e.message}\n`));
      await waitFor(`${StackName} deleted`, async () => {
        const stacks = await cfn.send(new DescribeStacksCommand({ StackName })).then((r) => r.Stacks ?? [], () => []);
        return stacks.every((s) => s.StackStatus === 'DELETE_COMPLETE') || undefined;
      }, 120_000, 2_000).catch((e: Error) => process.stderr.write(`[stages] ${e.message}\n`));
    }
  });

  async function dlqList(...flags: string[]): Promise<DlqListRow[]> {
    const out = bufferOutput();
    const code = await main(['dlq', 'list', '--json', ...flags], createContext({ out }));
    expect(code, out.stderr).toBe(0);
    return JSON.parse(out.stdout) as DlqListRow[];
  }

  it('keeps each stage to its own queues, and courier --stage b lists only stage b', async () => {
    const [b, dev] = [await dlqList('--stage', STAGE), await dlqList()];
    const owners = (rows: DlqListRow[]) => rows.map((r) => `${r.owner}/${r.kind}`).sort();
    expect(owners(b)).toEqual(owners(dev));
    expect(b.length).toBeGreaterThan(10);
    const devUrls = new Set(dev.map((r) => r.url));
    expect(b.filter((r) => devUrls.has(r.url))).toEqual([]);

    const stageB = b.find((r) => r.kind === 'dlq' && r.service === 'inventory')!;
    await sqs.send(new SendMessageCommand({ QueueUrl: stageB.url, MessageBody: '{"parked":"by the stages test"}' }));
    const seen = await waitFor('the message counted in stage b', async () => {
      const rows = await dlqList('--stage', STAGE);
      return rows.find((r) => r.url === stageB.url && r.depth === 1) ? rows : undefined;
    }, 30_000, 1_000);
    expect(seen.filter((r) => r.depth > 0).map((r) => r.owner)).toEqual([stageB.owner]);
    expect((await dlqList()).filter((r) => r.depth > 0)).toEqual([]);
  });
});
