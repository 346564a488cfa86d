import { GetRoutesCommand } from '@aws-sdk/client-apigatewayv2';
import { stackPrefix } from 'courier/cli';
import type { LocalSystem } from './system';

export interface RouteAuthorization {
  /** The stack's component name (`Orders`), without its `<stage>-<app>` prefix. */
  stack: string;
  apiId: string;
  routeKey: string;
  /** `AWS_IAM`, `JWT`, `CUSTOM` or `NONE`, as the deployed API reports it. */
  authorizationType: string;
  authorizationScopes: string[];
}

/** Every route of the deployed HTTP APIs with its authorization, read back with apigatewayv2 GetRoutes. */
export async function routeAuthorization(sys: LocalSystem): Promise<RouteAuthorization[]> {
  const prefix = stackPrefix(sys.scope);
  const apis = Object.entries(sys.deployment.outputs).flatMap(([stack, outputs]) => (outputs?.ApiId ? [{ stack: stack.slice(prefix.length), apiId: outputs.ApiId }] : []));
  const perApi = await Promise.all(
    apis.map(async ({ stack, apiId }) => {
      const routes = [];
      let NextToken: string | undefined;
      do {
        const page = await sys.clients.apigw.send(new GetRoutesCommand({ ApiId: apiId, NextToken }));
        routes.push(...(page.Items ?? []));
        NextToken = page.NextToken;
      } while (NextToken);
      return routes.map((r) => ({ stack, apiId, routeKey: r.RouteKey ?? '?', authorizationType: r.AuthorizationType ?? 'NONE', authorizationScopes: r.AuthorizationScopes ?? [] }));
    }),
  );
  return perApi.flat();
}
