import {
  GetEventSourceMappingCommand,
  GetFunctionConfigurationCommand,
  ListEventSourceMappingsCommand,
  UpdateEventSourceMappingCommand,
  UpdateFunctionConfigurationCommand,
  type LambdaClient,
} from '@aws-sdk/client-lambda';

/**
 * Changes a deployed function's environment (merging, `undefined` removes a variable) and reads it back,
 * so a test or the chaos run never assumes the engine took the change.
 */
export async function setFunctionEnv(lambda: LambdaClient, functionName: string, patch: Record<string, string | undefined>): Promise<void> {
  const current = await lambda.send(new GetFunctionConfigurationCommand({ FunctionName: functionName }));
  const Variables: Record<string, string> = { ...(current.Environment?.Variables ?? {}) };
  for (const [key, value] of Object.entries(patch)) {
    if (value === undefined) delete Variables[key];
    else Variables[key] = value;
  }
  await lambda.send(new UpdateFunctionConfigurationCommand({ FunctionName: functionName, Environment: { Variables } }));
  const after = (await lambda.send(new GetFunctionConfigurationCommand({ FunctionName: functionName }))).Environment?.Variables ?? {};
  for (const [key, value] of Object.entries(patch)) {
    if (after[key] !== value) throw new Error(`${functionName}: ${key} reads back as ${after[key]}, not ${value}`);
  }
}

/** Turns a function's event source mappings on or off and waits until the engine reports the new state. */
export async function setEventSourceEnabled(lambda: LambdaClient, functionName: string, enabled: boolean): Promise<void> {
  const { EventSourceMappings = [] } = await lambda.send(new ListEventSourceMappingsCommand({ FunctionName: functionName }));
  if (EventSourceMappings.length === 0) throw new Error(`${functionName} has no event source mapping`);
  for (const mapping of EventSourceMappings) {
    await lambda.send(new UpdateEventSourceMappingCommand({ UUID: mapping.UUID, Enabled: enabled }));
    const wanted = enabled ? 'Enabled' : 'Disabled';
    for (let i = 0; ; i++) {
      const { State } = await lambda.send(new GetEventSourceMappingCommand({ UUID: mapping.UUID }));
      if (State === wanted) break;
      if (i > 60) throw new Error(`${functionName}: mapping ${mapping.UUID} is ${State}, not ${wanted}`);
      await new Promise((r) => setTimeout(r, 500));
    }
  }
}
