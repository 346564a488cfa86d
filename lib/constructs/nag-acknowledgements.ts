import { Stack, Validations } from 'aws-cdk-lib';
import type * as iam from 'aws-cdk-lib/aws-iam';

/** A CloudFormation value as cdk-nag names it in a finding: `Ref` → `<Id>`, `GetAtt` → `<Id.Attr>`, joins flattened. */
function flatten(value: unknown): string {
  if (typeof value === 'string') return value.replace(/\$\{/g, '<').replace(/\}/g, '>');
  const node = value as Record<string, unknown> | undefined;
  if (node?.['Fn::Join']) {
    const [delimiter, items] = node['Fn::Join'] as [string, unknown[]];
    return items.map(flatten).join(delimiter);
  }
  if (node?.['Fn::GetAtt']) {
    const [resource, attribute] = node['Fn::GetAtt'] as [string, string];
    return `<${resource}.${attribute}>`;
  }
  if (node?.Ref) return `<${String(node.Ref)}>`;
  return JSON.stringify(value);
}

/**
 * Acknowledges cdk-nag's AwsSolutions-IAM5 for exactly the wildcard resources `policy` holds now, one
 * finding id each (`AwsSolutions-IAM5[Resource::…]`), so a wildcard added later is still reported.
 * Call it after the grants.
 *
 * @example
 * route.grantInvoke(role);
 * acknowledgeWildcardResources(role.node.findChild('DefaultPolicy') as iam.Policy, 'path parameters are * by definition');
 */
export function acknowledgeWildcardResources(policy: iam.Policy, reason: string): void {
  const statements = (Stack.of(policy).resolve(policy.document.toJSON()) as { Statement?: { Resource?: unknown }[] } | undefined)?.Statement ?? [];
  const wildcards = new Set(statements.flatMap((s) => [s.Resource ?? []].flat()).map(flatten).filter((r) => r.includes('*')));
  for (const resource of wildcards) Validations.of(policy).acknowledge({ id: `AwsSolutions-IAM5[Resource::${resource}]`, reason });
}
