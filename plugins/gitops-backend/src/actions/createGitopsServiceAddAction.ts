import type {
  AuthService,
  DiscoveryService,
} from '@backstage/backend-plugin-api';
import { ResponseError } from '@backstage/errors';
import {
  GITOPS_ANNOTATIONS,
  type EnvironmentChange,
} from '@gitops2/plugin-gitops-common';
import { createTemplateAction } from '@backstage/plugin-scaffolder-node';

/**
 * Scaffolder action `gitops:service:add`: onboards a service into a GitOps
 * pipeline (its manifests are in the repository already), on behalf of the
 * user who runs the template; outputs the annotations its catalog entity
 * needs. A dry run asks for the preview.
 */
export function createGitopsServiceAddAction(options: {
  discovery: DiscoveryService;
  auth: AuthService;
  fetch?: typeof fetch;
}) {
  const doFetch = options.fetch ?? fetch;
  return createTemplateAction({
    id: 'gitops:service:add',
    description:
      'Adds a service to the pipeline file of a GitOps repository (path template, version locator, the environments it runs in), checking the locator on every manifest, in one pull request.',
    supportsDryRun: true,
    schema: {
      input: {
        repositoryId: z => z.string(),
        service: z => z.string().describe('The service name in the pipeline'),
        path: z =>
          z.string().describe('e.g. apps/{service}/{environment}/values.yaml'),
        locator: z =>
          z.object({
            type: z.string(),
            options: z.record(z.string(), z.unknown()).optional(),
          }),
        environments: z => z.array(z.string()),
        versions: z => z.record(z.string(), z.string()).optional(),
        reason: z => z.string().optional(),
        entity: z =>
          z
            .record(z.string(), z.unknown())
            .optional()
            .describe(
              "The service's catalog entity (catalog:fetch's output): the output `entity` is it with the GitOps annotations, for catalog:write and a pull request on its catalog file",
            ),
      },
      output: {
        entity: z => z.record(z.string(), z.unknown()).optional(),
        pullRequestUrl: z => z.string().optional(),
        branch: z => z.string().optional(),
        commitSha: z => z.string().optional(),
        annotations: z => z.record(z.string(), z.string()),
        diff: z => z.string(),
      },
    },
    async handler(ctx) {
      const { repositoryId, entity, ...body } = ctx.input;
      const { token } = await options.auth.getPluginRequestToken({
        onBehalfOf: await ctx.getInitiatorCredentials(),
        targetPluginId: 'gitops',
      });
      const base = await options.discovery.getBaseUrl('gitops');
      const response = await doFetch(
        `${base}/v1/repositories/${encodeURIComponent(repositoryId)}/services${
          ctx.isDryRun ? '/preview' : ''
        }`,
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
          `service ${body.service} refused (${response.status}): ${
            error.body?.error?.message ?? error.message
          }`,
        );
      }
      const change = (await response.json()) as EnvironmentChange;
      if (change.pullRequestUrl)
        ctx.output('pullRequestUrl', change.pullRequestUrl);
      if (change.branch) ctx.output('branch', change.branch);
      if (change.commitSha) ctx.output('commitSha', change.commitSha);
      const annotations = {
        [GITOPS_ANNOTATIONS.repository]: repositoryId,
        [GITOPS_ANNOTATIONS.service]: body.service,
      };
      ctx.output('annotations', annotations);
      if (entity) ctx.output('entity', annotatedEntity(entity, annotations));
      ctx.output('diff', change.files.map(f => f.diff).join('\n'));
    },
  });
}

/** Annotations the catalog adds when it reads a file (never in the file). */
const CATALOG_ADDED = [
  'backstage.io/managed-by-location',
  'backstage.io/managed-by-origin-location',
  'backstage.io/view-url',
  'backstage.io/edit-url',
  'backstage.io/source-location',
];

/**
 * The entity as its catalog file should say it: the GitOps annotations
 * added to (or replacing) its own; the rest as it was. Status and relations,
 * which the catalog computes, are left out.
 */
export function annotatedEntity(
  entity: Record<string, unknown>,
  annotations: Record<string, string>,
): Record<string, unknown> {
  const { relations: _r, status: _s, ...rest } = entity as any;
  const {
    uid: _u,
    etag: _e,
    ...metadata
  } = (rest.metadata ?? {}) as Record<string, unknown>;
  return {
    ...rest,
    metadata: {
      ...metadata,
      annotations: {
        ...Object.fromEntries(
          Object.entries(
            (metadata.annotations as Record<string, string>) ?? {},
          ).filter(([k]) => !CATALOG_ADDED.includes(k)),
        ),
        ...annotations,
      },
    },
  };
}
