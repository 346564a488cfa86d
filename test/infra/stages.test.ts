import { describe, expect, it } from 'vitest';
import { resolveDeploymentTarget } from '../../lib/constructs/deployment-target';
import { buildReferenceApp } from '../../lib/stacks/reference-app';
import { unbundledApp } from './helpers';

/** Stack ids and every explicitly named resource of the reference app synthesized for one stage. */
function synthStage(stage: string) {
  const app = unbundledApp();
  const stacks = Object.values(buildReferenceApp(app, { target: resolveDeploymentTarget({}), stage }));
  const assembly = app.synth({ skipValidation: true });
  const names = new Set<string>();
  for (const stack of stacks) {
    const resources = assembly.getStackByName(stack.stackName).template.Resources as Record<string, { Properties?: Record<string, unknown> }>;
    for (const r of Object.values(resources)) {
      for (const key of ['AlarmName', 'TableName', 'QueueName', 'FunctionName', 'Name', 'EventBusName', 'RoleName', 'TopicName', 'DashboardName']) {
        const value = r.Properties?.[key];
        if (typeof value === 'string') names.add(value);
      }
    }
  }
  return { stackIds: stacks.map((s) => s.stackName), names };
}

describe('stages', () => {
  it('cdk synth -c stage=a and -c stage=b give disjoint stack ids and resource names', { timeout: 120_000 }, () => {
    const a = synthStage('a');
    const b = synthStage('b');
    expect(a.stackIds.every((id) => id.startsWith('a-Courier'))).toBe(true);
    expect(b.stackIds.every((id) => id.startsWith('b-Courier'))).toBe(true);
    expect(a.stackIds.filter((id) => b.stackIds.includes(id))).toEqual([]);
    expect(a.names.size).toBeGreaterThan(20); // the alarm names, at least, are explicit
    expect([...a.names].filter((n) => b.names.has(n))).toEqual([]);
  });
});
