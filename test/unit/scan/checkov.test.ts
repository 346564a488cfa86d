import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { countByCheck, judge, loadSkips, parseReport, type CheckovFinding } from '../../../scripts/scan/checkov';

const finding = (checkId: string, resource: string): CheckovFinding => ({ checkId, checkName: `${checkId} name`, resource, file: '/x.template.json' });
const REASON = 'a reason long enough to say why courier does not follow this check';

describe('checkov report parsing', () => {
  it('reads counts, failures and passes from the cloudformation report', () => {
    const raw = {
      check_type: 'cloudformation',
      results: {
        failed_checks: [{ check_id: 'CKV_AWS_117', check_name: 'VPC', resource: 'AWS::Lambda::Function.Fn', file_path: '/a.json' }],
        passed_checks: [{ check_id: 'CKV_AWS_26', check_name: 'SNS', resource: 'AWS::SNS::Topic.T', file_path: '/a.json' }],
      },
      summary: { passed: 1, failed: 1, parsing_errors: 0, resource_count: 2, checkov_version: '3.3.30' },
    };
    expect(parseReport(JSON.stringify(raw))).toEqual({
      version: '3.3.30',
      passed: 1,
      failed: 1,
      parsingErrors: 0,
      resourceCount: 2,
      failures: [{ checkId: 'CKV_AWS_117', checkName: 'VPC', resource: 'AWS::Lambda::Function.Fn', file: '/a.json' }],
      passes: [{ checkId: 'CKV_AWS_26', checkName: 'SNS', resource: 'AWS::SNS::Topic.T', file: '/a.json' }],
    });
  });

  it('refuses output that is not one cloudformation report', () => {
    expect(() => parseReport('Traceback (most recent call last):')).toThrow(/no JSON report/);
    expect(() => parseReport('[]')).toThrow(/expected one cloudformation report/);
  });
});

describe('judging failures against the skip list', () => {
  const failures = [finding('CKV_AWS_117', 'A'), finding('CKV_AWS_117', 'B'), finding('CKV_AWS_27', 'Q')];

  it('reports failures whose check id has no reason, and reasons no failure needs', () => {
    const { unexplained, stale } = judge(failures, { CKV_AWS_117: REASON, CKV_AWS_158: REASON });
    expect(unexplained).toEqual([finding('CKV_AWS_27', 'Q')]);
    expect(stale).toEqual(['CKV_AWS_158']);
  });

  it('is clean when the list and the failures agree', () => {
    expect(judge(failures, { CKV_AWS_117: REASON, CKV_AWS_27: REASON })).toEqual({ unexplained: [], stale: [] });
  });

  it('counts failures per check id, most frequent first', () => {
    expect(countByCheck(failures).map((c) => [c.checkId, c.count])).toEqual([
      ['CKV_AWS_117', 2],
      ['CKV_AWS_27', 1],
    ]);
  });
});

describe('the skip list file', () => {
  const write = (content: unknown) => {
    const file = join(mkdtempSync(join(tmpdir(), 'skips-')), 'skips.json');
    writeFileSync(file, JSON.stringify(content));
    return file;
  };

  it('needs a checkov AWS check id and a written reason for every entry', () => {
    expect(() => loadSkips(write({ 'AwsSolutions-SQS3': REASON }))).toThrow(/not a checkov AWS check id/);
    expect(() => loadSkips(write({ CKV_AWS_117: 'n/a' }))).toThrow(/CKV_AWS_117 needs a written reason/);
    expect(loadSkips(write({ CKV2_AWS_5: REASON }))).toEqual({ CKV2_AWS_5: REASON });
  });

  it('the committed list passes its own rules', () => {
    expect(Object.keys(loadSkips()).length).toBeGreaterThan(0);
  });
});
