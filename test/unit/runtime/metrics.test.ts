import { afterEach, describe, expect, it } from 'vitest';
import * as z from 'zod/mini';
import { EMF_LIMITS, Metrics } from '../../../functions/runtime/support/metrics';

/**
 * The CloudWatch Embedded Metric Format specification's constraints, as a schema
 * (https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/CloudWatch_Embedded_Metric_Format_Specification.html):
 * at most 100 metric definitions per directive, at most 30 dimensions per set, every value a number or
 * an array of at most 100 numbers, every dimension and metric named at the root.
 */
const metricValue = z.union([z.number(), z.array(z.number()).check(z.minLength(1), z.maxLength(100))]);
const emfDocument = z
  .looseObject({
    _aws: z.object({
      Timestamp: z.int().check(z.gte(0)),
      CloudWatchMetrics: z
        .array(
          z.object({
            Namespace: z.string().check(z.minLength(1), z.maxLength(1024)),
            Dimensions: z.array(z.array(z.string()).check(z.maxLength(30))),
            Metrics: z.array(z.object({ Name: z.string().check(z.minLength(1), z.maxLength(1024)), Unit: z.optional(z.string()) })).check(z.minLength(1), z.maxLength(100)),
          }),
        )
        .check(z.minLength(1)),
    }),
  })
  .check(
    z.refine((doc) => {
      const directive = (doc as any)._aws.CloudWatchMetrics[0];
      const dimensionsAtRoot = directive.Dimensions.flat().every((d: string) => typeof (doc as any)[d] === 'string');
      const valuesAtRoot = directive.Metrics.every((m: { Name: string }) => metricValue.safeParse((doc as any)[m.Name]).success);
      return dimensionsAtRoot && valuesAtRoot;
    }, 'every dimension must be a string and every metric a valid value at the root'),
  );

const valid = (doc: unknown) => emfDocument.safeParse(doc).error?.issues ?? [];

afterEach(() => {
  delete process.env.POWERTOOLS_METRICS_NAMESPACE;
});

describe('EMF documents', () => {
  it('250 values of one metric are split into valid documents of 100, 100 and 50, none lost', () => {
    const docs: any[] = [];
    const metrics = new Metrics({ consumer: 'inventory-orders' }, (l) => docs.push(JSON.parse(l)));
    for (let i = 0; i < 250; i++) metrics.add('duration', 'Milliseconds', i);
    metrics.add('processed', 'Count', 250);
    metrics.flush();

    expect(docs).toHaveLength(3);
    for (const doc of docs) expect(valid(doc)).toEqual([]);
    expect(docs.map((d) => d.duration.length)).toEqual([100, 100, 50]);
    expect(docs.flatMap((d) => d.duration)).toEqual(Array.from({ length: 250 }, (_, i) => i));
    // a count is one datapoint, written once
    expect(docs.map((d) => d.processed)).toEqual([250, undefined, undefined]);
    expect(docs[2]._aws.CloudWatchMetrics[0].Metrics).toEqual([{ Name: 'duration', Unit: 'Milliseconds' }]);
  });

  it('the unsplit document (what one flush wrote before) breaks the 100-value limit: the schema is not vacuous', () => {
    const doc = { _aws: { Timestamp: 1, CloudWatchMetrics: [{ Namespace: 'courier', Dimensions: [['consumer']], Metrics: [{ Name: 'duration', Unit: 'Milliseconds' }] }] }, consumer: 'c', duration: Array.from({ length: 250 }, () => 1) };
    expect(valid(doc)).not.toEqual([]);
  });

  it('more than 100 metrics go into several documents of at most 100 definitions', () => {
    const docs: any[] = [];
    const metrics = new Metrics({ service: 'orders' }, (l) => docs.push(JSON.parse(l)));
    for (let i = 0; i < 150; i++) metrics.add(`m${i}`, 'Count');
    metrics.flush();
    expect(docs.map((d) => d._aws.CloudWatchMetrics[0].Metrics.length)).toEqual([EMF_LIMITS.metricsPerDocument, 50]);
    for (const doc of docs) expect(valid(doc)).toEqual([]);
  });

  it('writes to POWERTOOLS_METRICS_NAMESPACE, else `courier`; one timestamp per flush; nothing when empty', () => {
    const docs: any[] = [];
    new Metrics({ service: 'a' }, (l) => docs.push(JSON.parse(l))).flush();
    expect(docs).toEqual([]);
    const plain = new Metrics({ service: 'a' }, (l) => docs.push(JSON.parse(l)));
    plain.add('published', 'Count');
    plain.flush();
    process.env.POWERTOOLS_METRICS_NAMESPACE = 'shop';
    const named = new Metrics({ service: 'a' }, (l) => docs.push(JSON.parse(l)));
    for (let i = 0; i < 101; i++) named.add('duration', 'Milliseconds', 1);
    named.flush();
    expect(docs.map((d) => d._aws.CloudWatchMetrics[0].Namespace)).toEqual(['courier', 'shop', 'shop']);
    expect(docs[1]._aws.Timestamp).toBe(docs[2]._aws.Timestamp);
  });
});
