import { App } from 'aws-cdk-lib';
import type * as iam from 'aws-cdk-lib/aws-iam';
import type { IConstruct } from 'constructs';
import { MessagingStack, type MessagingResources } from '../../lib/constructs/messaging-stack';
import type { ServiceStack, ServiceStackProps } from '../../lib/constructs/service-stack';
import { ENV, logicalId, template } from './helpers';

type Resources = Record<string, { Type: string; Properties: Record<string, any> }>;

/** A service stack synthesized beside a MessagingStack, with the template pieces the stack tests read. */
export function synthService<S extends ServiceStack>(
  Stack: new (scope: App, id: string, props: Omit<ServiceStackProps, 'serviceName'> & { messaging: MessagingResources }) => S,
  id: string,
) {
  const app = new App();
  const messaging = new MessagingStack(app, 'Messaging', { env: ENV });
  const stack = new Stack(app, id, { env: ENV, messaging });
  const json = template(stack).toJSON();
  const resources = json.Resources as Resources;
  const ref = (construct: IConstruct) => ({ Ref: logicalId(construct) });
  return {
    stack,
    resources,
    outputs: json.Outputs as Record<string, { Value: unknown }>,
    ref,
    propsOf: (construct: IConstruct) => resources[logicalId(construct)]!.Properties,
    /** Every IAM action the role is granted on `target` (matched by the target's logical id in Resource). */
    actionsOn(role: iam.IRole, target: IConstruct): string[] {
      return Object.values(resources)
        .filter((r) => r.Type === 'AWS::IAM::Policy' && JSON.stringify(r.Properties.Roles).includes(`"${logicalId(role)}"`))
        .flatMap((p) => p.Properties.PolicyDocument.Statement as any[])
        .filter((st) => JSON.stringify(st.Resource).includes(`"${logicalId(target)}"`))
        .flatMap((st) => [st.Action].flat());
    },
    /** Every IAM action granted to the role, anywhere. */
    actionsOf(role: iam.IRole): string[] {
      return Object.values(resources)
        .filter((r) => r.Type === 'AWS::IAM::Policy' && JSON.stringify(r.Properties.Roles).includes(`"${logicalId(role)}"`))
        .flatMap((p) => (p.Properties.PolicyDocument.Statement as any[]).flatMap((st) => [st.Action].flat()));
    },
  };
}
