import { paginateListStackResources, type CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** A resource as synthesized (its template properties) joined with what CloudFormation deployed. */
export interface DeployedResource {
  stack: string;
  logicalId: string;
  type: string;
  physicalId: string;
  properties: Record<string, any>;
}

/** Reads the synthesized templates in `cdkOut` and the deployed stacks' physical ids. */
export async function deployedResources(cfn: CloudFormationClient, stacks: string[], cdkOut = 'cdk.out'): Promise<DeployedResource[]> {
  const out: DeployedResource[] = [];
  for (const stack of stacks) {
    const template = JSON.parse(readFileSync(join(cdkOut, `${stack}.template.json`), 'utf8'));
    const physical = new Map<string, string>();
    for await (const page of paginateListStackResources({ client: cfn }, { StackName: stack })) {
      for (const r of page.StackResourceSummaries ?? []) if (r.LogicalResourceId && r.PhysicalResourceId) physical.set(r.LogicalResourceId, r.PhysicalResourceId);
    }
    for (const [logicalId, resource] of Object.entries<any>(template.Resources ?? {})) {
      const physicalId = physical.get(logicalId);
      if (!physicalId) continue;
      out.push({ stack, logicalId, type: resource.Type, physicalId, properties: resource.Properties ?? {} });
    }
  }
  return out;
}

/** Resolves `{Ref: X}` / `{Fn::GetAtt: [X, attr]}` to X's physical id, the only intrinsics the checks need. */
export function referencedLogicalId(value: unknown): string | undefined {
  if (value && typeof value === 'object') {
    const v = value as Record<string, any>;
    if (typeof v.Ref === 'string') return v.Ref;
    if (Array.isArray(v['Fn::GetAtt'])) return v['Fn::GetAtt'][0];
  }
  return undefined;
}
