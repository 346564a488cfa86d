import { App, Stack } from 'aws-cdk-lib';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { beforeAll, describe, expect, it } from 'vitest';
import { type SampleApp, nagFindings, sampleApp } from './helpers';

let s: SampleApp;
beforeAll(() => {
  s = sampleApp();
});

describe('cdk-nag AwsSolutions', () => {
  it('finds what it should (the check is not vacuous)', () => {
    const stack = new Stack(new App(), 'Bare');
    new sqs.Queue(stack, 'Plain', { encryption: sqs.QueueEncryption.UNENCRYPTED });
    const rules = nagFindings(stack).map((f) => f.rule);
    expect(rules).toEqual(expect.arrayContaining(['AwsSolutions-SQS2', 'AwsSolutions-SQS3', 'AwsSolutions-SQS4']));
  });

  it('messaging stack: zero unacknowledged errors and warnings', () => {
    expect(nagFindings(s.messaging)).toEqual([]);
  });

  it('service stack (consumers, outbox, failed-message store, dashboard): zero unacknowledged errors and warnings', () => {
    expect(nagFindings(s.service)).toEqual([]);
  });

  it('every acknowledgement names its reason and is scoped to one resource, never a stack', () => {
    const acks: { path: string; ids: string[]; reasons: string[] }[] = [];
    for (const stack of [s.messaging, s.service]) {
      for (const c of [stack, ...stack.node.findAll()]) {
        for (const entry of c.node.metadata) {
          if (entry.type !== 'aws:cdk:acknowledged-rules') continue;
          const data = entry.data as Record<string, string>;
          acks.push({ path: c.node.path, ids: Object.keys(data), reasons: Object.values(data) });
        }
      }
    }
    expect(acks.length).toBeGreaterThan(0);
    for (const a of acks) {
      expect(a.path.split('/').length, a.path).toBeGreaterThan(2);
      for (const r of a.reasons) expect(r.length).toBeGreaterThan(40);
    }
    const ids = [...new Set(acks.flatMap((a) => a.ids.map((i) => i.replace(/^annotation::/i, ''))))].sort();
    expect(ids).toEqual(['AwsSolutions-IAM5[Resource::*]', 'AwsSolutions-SQS3']);
  });
});
