import type {
  AuthService,
  DiscoveryService,
} from '@backstage/backend-plugin-api';
import { parseEntityRef } from '@backstage/catalog-model';
import { ResponseError } from '@backstage/errors';
import { createTemplateAction } from '@backstage/plugin-scaffolder-node';

/**
 * Scaffolder action `gitops:promote`: asks the gitops backend to promote a
 * service, on behalf of the user who runs the template, so the same
 * permissions, gates, approvals and audit apply as in the portal.
 */
export function createGitopsPromoteAction(options: {
  discovery: DiscoveryService;
  auth: AuthService;
  fetch?: typeof fetch;
}) {
  const doFetch = options.fetch ?? fetch;
  return createTemplateAction({
    id: 'gitops:promote',
    description:
      'Promotes a service through its GitOps pipeline (a commit or pull request on the GitOps repository), under the permissions and gates of the environments.',
    examples: [
      {
        description: 'Promote what runs in staging to the next stage',
        example: `steps:\n  - id: promote\n    action: gitops:promote\n    input:\n      entityRef: component:default/guestbook-ui\n      sourceEnvironment: staging\n      reason: release 42`,
      },
    ],
    schema: {
      input: {
        entityRef: z =>
          z
            .string()
            .describe(
              'The catalog entity of the service, e.g. component:default/guestbook-ui',
            ),
        sourceEnvironment: z =>
          z.string().optional().describe('Promote the version that runs here'),
        environments: z =>
          z
            .array(z.string())
            .optional()
            .describe('Target environments (default: the next stage)'),
        version: z =>
          z
            .string()
            .optional()
            .describe(
              "An explicit version instead of the source environment's",
            ),
        reason: z => z.string().optional(),
        idempotencyKey: z =>
          z
            .string()
            .optional()
            .describe(
              'Defaults to the task id, so a retried task promotes once',
            ),
      },
      output: {
        actionId: z => z.string(),
        state: z => z.string(),
      },
    },
    async handler(ctx) {
      const ref = parseEntityRef(ctx.input.entityRef, {
        defaultKind: 'component',
        defaultNamespace: 'default',
      });
      const { token } = await options.auth.getPluginRequestToken({
        onBehalfOf: await ctx.getInitiatorCredentials(),
        targetPluginId: 'gitops',
      });
      const base = await options.discovery.getBaseUrl('gitops');
      const key =
        ctx.input.idempotencyKey ??
        `scaffolder-${ctx.task.id}-${ctx.step?.id ?? 'promote'}`.slice(0, 128);
      const response = await doFetch(
        `${base}/v1/entities/${encodeURIComponent(
          ref.namespace,
        )}/${encodeURIComponent(
          ref.kind.toLocaleLowerCase('en-US'),
        )}/${encodeURIComponent(ref.name)}/promotions`,
        {
          method: 'POST',
          headers: {
            authorization: `Bearer ${token}`,
            'content-type': 'application/json',
            'idempotency-key': key,
            // A hint only: the gitops backend labels the door from the token
            // (issued by the scaffolder on behalf of the user).
            'x-gitops-door': 'scaffolder',
          },
          body: JSON.stringify({
            sourceEnvironment: ctx.input.sourceEnvironment,
            environments: ctx.input.environments,
            version: ctx.input.version,
            reason: ctx.input.reason,
          }),
        },
      );
      if (!response.ok) {
        const error = await ResponseError.fromResponse(response);
        // Show the backend's reason (e.g. "gitops.promote denied for prod-us"), not just the status.
        throw new Error(
          `promotion refused (${response.status}): ${
            error.body?.error?.message ?? error.message
          }`,
        );
      }
      const action = (await response.json()) as { id: string; state: string };
      ctx.logger.info(`gitops action #${action.id} is ${action.state}`);
      ctx.output('actionId', action.id);
      ctx.output('state', action.state);
    },
  });
}
