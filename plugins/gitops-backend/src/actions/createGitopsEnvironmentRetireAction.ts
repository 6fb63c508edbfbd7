import type {
  AuthService,
  DiscoveryService,
} from '@backstage/backend-plugin-api';
import { ResponseError } from '@backstage/errors';
import type { EnvironmentChange } from '@gitops2/plugin-gitops-common';
import { createTemplateAction } from '@backstage/plugin-scaffolder-node';

/**
 * Scaffolder action `gitops:environment:retire`: asks the gitops backend to
 * remove an environment (or disable one service in it) by pull request, on
 * behalf of the user who runs the template. A dry run asks for the preview:
 * the diff and the files it would delete, nothing written.
 */
export function createGitopsEnvironmentRetireAction(options: {
  discovery: DiscoveryService;
  auth: AuthService;
  fetch?: typeof fetch;
}) {
  const doFetch = options.fetch ?? fetch;
  return createTemplateAction({
    id: 'gitops:environment:retire',
    description:
      'Removes an environment from a GitOps pipeline and deletes its manifests, or disables one service in it, in one pull request; refused while the environment has an open action or a hold.',
    supportsDryRun: true,
    schema: {
      input: {
        repositoryId: z => z.string().describe('The GitOps repository id'),
        environment: z => z.string(),
        service: z =>
          z.string().optional().describe('Only disable this service there'),
        reason: z => z.string().optional(),
      },
      output: {
        environment: z => z.string(),
        pullRequestUrl: z => z.string().optional(),
        branch: z => z.string().optional(),
        deletedFiles: z => z.array(z.string()),
        diff: z => z.string(),
      },
    },
    async handler(ctx) {
      const { repositoryId, ...body } = ctx.input;
      const { token } = await options.auth.getPluginRequestToken({
        onBehalfOf: await ctx.getInitiatorCredentials(),
        targetPluginId: 'gitops',
      });
      const base = await options.discovery.getBaseUrl('gitops');
      const response = await doFetch(
        `${base}/v1/repositories/${encodeURIComponent(
          repositoryId,
        )}/environments/retire${ctx.isDryRun ? '/preview' : ''}`,
        {
          method: 'POST',
          headers: {
            authorization: `Bearer ${token}`,
            'content-type': 'application/json',
            'x-gitops-door': 'scaffolder',
          },
          body: JSON.stringify(body),
        },
      );
      if (!response.ok) {
        const error = await ResponseError.fromResponse(response);
        throw new Error(
          `retiring ${body.environment} refused (${response.status}): ${
            error.body?.error?.message ?? error.message
          }`,
        );
      }
      const change = (await response.json()) as EnvironmentChange;
      const diff = change.files.map(f => f.diff).join('\n');
      ctx.logger.info(
        `${ctx.isDryRun ? 'would write' : 'wrote'} ${change.files
          .map(f => `${f.deleted ? 'delete ' : ''}${f.path}`)
          .join(', ')}`,
      );
      ctx.output('environment', change.environment);
      if (change.pullRequestUrl)
        ctx.output('pullRequestUrl', change.pullRequestUrl);
      if (change.branch) ctx.output('branch', change.branch);
      ctx.output(
        'deletedFiles',
        change.files.filter(f => f.deleted).map(f => f.path),
      );
      ctx.output('diff', diff);
    },
  });
}
