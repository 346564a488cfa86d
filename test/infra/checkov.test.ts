import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CHECKOV_VERSION,
  INSTALL_COMMAND,
  type CheckovResult,
  installedCheckovVersion,
  judge,
  loadSkips,
  runCheckov,
} from '../../scripts/scan/checkov';
import { synthTemplates } from '../../scripts/scan/synth';

/**
 * The second scanner: checkov over the app's templates as synthesized for AWS (scripts/scan/synth.ts). Every failed check must
 * have a written reason in test/infra/checkov-skips.json, and every reason there must still be needed.
 * Not skipped when checkov is missing: CI installs it (.ci/run), and so can you (INSTALL_COMMAND).
 */
const outdir = mkdtempSync(join(tmpdir(), 'courier-checkov-'));
let templates: string[];
let result: CheckovResult;

beforeAll(() => {
  const installed = installedCheckovVersion();
  if (installed !== CHECKOV_VERSION) {
    throw new Error(`checkov ${CHECKOV_VERSION} is not installed (found ${installed ?? 'none'}); run: ${INSTALL_COMMAND}`);
  }
  templates = synthTemplates(outdir);
  result = runCheckov(templates);
}, 300_000);

afterAll(() => rmSync(outdir, { recursive: true, force: true }));

describe(`checkov ${CHECKOV_VERSION} over the synthesized app`, () => {
  it('scans every stack’s template, without parsing errors', () => {
    expect(templates.map((t) => t.split('/').pop())).toEqual([
      'dev-CourierInventory.template.json',
      'dev-CourierMessaging.template.json',
      'dev-CourierNotifications.template.json',
      'dev-CourierOrders.template.json',
      'dev-CourierPoints.template.json',
      'dev-CourierRisk.template.json',
    ]);
    expect(result.version).toBe(CHECKOV_VERSION);
    expect(result.parsingErrors).toBe(0);
    expect(result.passed).toBeGreaterThan(300);
  });

  it('every failed check has a written reason in checkov-skips.json (0 unexplained)', () => {
    const { unexplained } = judge(result.failures, loadSkips());
    expect(unexplained.map((f) => `${f.checkId} ${f.resource} (${f.checkName})`)).toEqual([]);
  });

  it('every skip is still needed (no stale reasons)', () => {
    expect(judge(result.failures, loadSkips()).stale).toEqual([]);
  });

  it('finds the alarm topic encrypted (CKV_AWS_26 passes on it)', () => {
    expect(result.passes.filter((f) => f.checkId === 'CKV_AWS_26').map((f) => f.resource)).toEqual([
      expect.stringMatching(/^AWS::SNS::Topic\.AlarmTopic/),
    ]);
    expect(result.failures.filter((f) => f.checkId === 'CKV_AWS_26')).toEqual([]);
  });
});
