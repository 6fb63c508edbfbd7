import type {
  AuthService,
  DiscoveryService,
} from '@backstage/backend-plugin-api';
import { ResponseError } from '@backstage/errors';
import type { EnvironmentChange } from '@gitops2/plugin-gitops-common';
import { createTemplateAction } from '@backstage/plugin-scaffolder-node';

/**
 * Scaffolder action `gitops:environment:create`: asks the gitops backend to
 * add an environment, on behalf of the user who runs the template, so the
 * same permission (gitops.environment.manage), validation and audit apply as
 * on every other door. A dry run of the template asks for the preview: the
 * full diff, nothing written.
 */
export function createGitopsEnvironmentCreateAction(options: {
  discovery: DiscoveryService;
  auth: AuthService;
  fetch?: typeof fetch;
}) {
  const doFetch = options.fetch ?? fetch;
  return createTemplateAction({
    id: 'gitops:environment:create',
    description:
      'Adds an environment to a GitOps pipeline (after a stage, or beside the environments of a stage) and copies every service of a source environment to it, in one pull request on the GitOps repository.',
    supportsDryRun: true,
    examples: [
      {
        description: 'Add perf after staging, copying staging',
        example: `steps:\n  - id: environment\n    action: gitops:environment:create\n    input:\n      repositoryId: demo\n      name: perf\n      placement: { kind: after-stage, after: staging }\n      sourceEnvironment: staging\n      cluster: staging-cluster\n      namespace: guestbook-perf`,
      },
    ],
    schema: {
      input: {
        repositoryId: z => z.string().describe('The GitOps repository id'),
        name: z => z.string().describe('The new environment (a DNS label)'),
        placement: z =>
          z
            .object({
              kind: z.enum(['after-stage', 'join-stage']),
              after: z.string().optional(),
              stage: z.string().optional(),
            })
            .describe(
              '{kind: after-stage, after: <stage>} or {kind: join-stage, stage: <stage>}',
            ),
        sourceEnvironment: z =>
          z.string().describe('Copy the services of this environment'),
        cluster: z => z.string(),
        namespace: z => z.string(),
        url: z => z.string().optional(),
        promotion: z =>
          z
            .record(z.string(), z.unknown())
            .optional()
            .describe('Promotion policy, as in the pipeline file'),
        reason: z => z.string().optional(),
      },
      output: {
        environment: z => z.string(),
        pullRequestUrl: z => z.string().optional(),
        branch: z => z.string().optional(),
        commitSha: z =>
          z
            .string()
            .optional()
            .describe(
              'The commit written (the one to merge from the portal: /gitops/environment-change)',
            ),
        files: z => z.array(z.string()),
        diff: z => z.string(),
      },
    },
    async handler(ctx) {
      const { repositoryId, placement, ...rest } = ctx.input;
      const { token } = await options.auth.getPluginRequestToken({
        onBehalfOf: await ctx.getInitiatorCredentials(),
        targetPluginId: 'gitops',
      });
      const base = await options.discovery.getBaseUrl('gitops');
      const response = await doFetch(
        `${base}/v1/repositories/${encodeURIComponent(
          repositoryId,
        )}/environments${ctx.isDryRun ? '/preview' : ''}`,
        {
          method: 'POST',
          headers: {
            authorization: `Bearer ${token}`,
            'content-type': 'application/json',
            'x-gitops-door': 'scaffolder',
          },
          body: JSON.stringify({
            ...rest,
            placement:
              placement.kind === 'after-stage'
                ? { kind: placement.kind, after: placement.after }
                : { kind: placement.kind, stage: placement.stage },
          }),
        },
      );
      if (!response.ok) {
        const error = await ResponseError.fromResponse(response);
        throw new Error(
          `environment ${rest.name} refused (${response.status}): ${
            error.body?.error?.message ?? error.message
          }`,
        );
      }
      const change = (await response.json()) as EnvironmentChange;
      const diff = change.files.map(f => f.diff).join('\n');
      ctx.logger.info(
        `${ctx.isDryRun ? 'would write' : 'wrote'} ${change.files
          .map(f => f.path)
          .join(', ')}\n${diff}`,
      );
      ctx.output('environment', change.environment);
      if (change.pullRequestUrl)
        ctx.output('pullRequestUrl', change.pullRequestUrl);
      if (change.branch) ctx.output('branch', change.branch);
      if (change.commitSha) ctx.output('commitSha', change.commitSha);
      ctx.output(
        'files',
        change.files.map(f => f.path),
      );
      ctx.output('diff', diff);
    },
  });
}
