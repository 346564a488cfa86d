import { GetFunctionConfigurationCommand } from '@aws-sdk/client-lambda';
import { FAULT_KINDS, type FaultKind } from 'courier/testing';
import { forEachLogLine } from '../local/outcomes';
import type { LocalSystem } from '../local/system';
import type { FaultTarget } from './fault-settings';

/**
 * Faults actually injected, by kind, counted from the runtime's `fault injected` log lines (field
 * `fault`, and `count` for several PutEvents entries at once) in every target function's log group.
 * Log lines rather than the EMF metrics because the local engine does not turn EMF into metrics; the
 * numbers are the same, one line per EMF document.
 */
export async function injectedFaults(sys: LocalSystem, targets: readonly FaultTarget[], sinceMs: number): Promise<Record<FaultKind, number>> {
  const counts = Object.fromEntries(FAULT_KINDS.map((k) => [k, 0])) as Record<FaultKind, number>;
  await Promise.all(
    targets.map(async (target) => {
      const config = await sys.clients.lambda.send(new GetFunctionConfigurationCommand({ FunctionName: target.functionName }));
      const group = config.LoggingConfig?.LogGroup ?? `/aws/lambda/${target.functionName}`;
      await forEachLogLine(sys.clients.logs, group, sinceMs, '"fault injected"', (line) => {
        try {
          const entry = JSON.parse(line) as { fault?: string; count?: number };
          if (entry.fault && entry.fault in counts) counts[entry.fault as FaultKind] += entry.count ?? 1;
        } catch {
          // not one of ours
        }
      });
    }),
  );
  return counts;
}
