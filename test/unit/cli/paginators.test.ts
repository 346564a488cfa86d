import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  DescribeStacksCommand,
  ListStackResourcesCommand,
  type DescribeStacksCommandInput,
  type DescribeStacksCommandOutput,
  type ListStackResourcesCommandInput,
  type ListStackResourcesCommandOutput,
} from '@aws-sdk/client-cloudformation';
import { ScanCommand, type ScanCommandInput, type ScanCommandOutput } from '@aws-sdk/client-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { discover } from '../../../bin/cli/discovery';
import { scanItems } from '../../../bin/cli/scan';
import { deployedResources } from '../../../bin/cli/local/deployed-resources';
import { clients, mocks, resetMocks } from './fixture';

beforeEach(resetMocks);

/** Answers the given pages in order and records each request as it was sent (the paginator reuses its input object). */
function pages<I extends object, O>(...answers: O[]) {
  const sent: I[] = [];
  let next = 0;
  return { sent, answer: (input: I) => (sent.push({ ...input }), answers[next++]!) };
}

/** Each listing is read with the SDK's paginator: every page is followed, each start token passed on once. */
describe('paginated reads follow every page', () => {
  it('scanItems: three Scan pages, each started at the previous LastEvaluatedKey', async () => {
    const key = (id: string) => marshall({ event_id: id });
    const scan = pages<ScanCommandInput, ScanCommandOutput>(
      { Items: [key('a')], LastEvaluatedKey: key('a'), $metadata: {} },
      { Items: [key('b')], LastEvaluatedKey: key('b'), $metadata: {} },
      { Items: [key('c')], $metadata: {} },
    );
    mocks.dynamodb.on(ScanCommand).callsFake(scan.answer);
    const items = await scanItems(clients().dynamodb, 'outbox', { FilterExpression: 'x = :x' });
    expect(items.map((i) => i.event_id)).toEqual(['a', 'b', 'c']);
    const inputs = scan.sent;
    expect(inputs.map((i) => i.ExclusiveStartKey)).toEqual([undefined, key('a'), key('b')]);
    expect(inputs.every((i) => i.TableName === 'outbox' && i.FilterExpression === 'x = :x' && i.ConsistentRead === true)).toBe(true);
  });

  it('discover: stacks on a second DescribeStacks page are found', async () => {
    const output = (name: string) => ({ OutputKey: `CourierConsumer${name}`, Description: 'courier:consumer', OutputValue: JSON.stringify({ kind: 'consumer', name, detailTypes: [] }) });
    const stack = (name: string, consumer: string) => ({ StackName: name, StackStatus: 'CREATE_COMPLETE' as const, CreationTime: new Date(), Outputs: [output(consumer)] });
    const describe = pages<DescribeStacksCommandInput, DescribeStacksCommandOutput>(
      { Stacks: [stack('dev-A', 'one')], NextToken: 't1', $metadata: {} },
      { Stacks: [stack('dev-B', 'two')], $metadata: {} },
    );
    mocks.cfn.on(DescribeStacksCommand).callsFake(describe.answer);
    const deployment = await discover(clients().cfn, { stage: 'dev' });
    expect(deployment.consumers.map((c) => c.name)).toEqual(['one', 'two']);
    expect(describe.sent.map((i) => i.NextToken)).toEqual([undefined, 't1']);
  });

  describe('deployedResources (local deploy read-back)', () => {
    let cdkOut: string;
    beforeEach(() => {
      cdkOut = mkdtempSync(join(tmpdir(), 'courier-cdkout-'));
      writeFileSync(join(cdkOut, 'S.template.json'), JSON.stringify({ Resources: { Q1: { Type: 'AWS::SQS::Queue', Properties: { A: 1 } }, Q2: { Type: 'AWS::SQS::Queue' } } }));
    });
    afterEach(() => rmSync(cdkOut, { recursive: true, force: true }));

    it('joins the template with physical ids from every ListStackResources page', async () => {
      const summary = (logical: string, physical: string) => ({ LogicalResourceId: logical, PhysicalResourceId: physical, ResourceType: 'AWS::SQS::Queue', ResourceStatus: 'CREATE_COMPLETE' as const, LastUpdatedTimestamp: new Date() });
      const list = pages<ListStackResourcesCommandInput, ListStackResourcesCommandOutput>(
        { StackResourceSummaries: [summary('Q1', 'q-1')], NextToken: 'p2', $metadata: {} },
        { StackResourceSummaries: [summary('Q2', 'q-2')], $metadata: {} },
      );
      mocks.cfn.on(ListStackResourcesCommand).callsFake(list.answer);
      const resources = await deployedResources(clients().cfn, ['S'], cdkOut);
      expect(resources.map((r) => [r.logicalId, r.physicalId, r.properties])).toEqual([
        ['Q1', 'q-1', { A: 1 }],
        ['Q2', 'q-2', {}],
      ]);
      expect(list.sent).toEqual([{ StackName: 'S' }, { StackName: 'S', NextToken: 'p2' }]);
    });
  });
});
