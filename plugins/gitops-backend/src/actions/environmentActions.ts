import type { ActionsRegistryService } from '@backstage/backend-plugin-api/alpha';
import type { EnvironmentService } from '../environments/EnvironmentService';
import { callerOf } from '../service/promotionRouter';

/**
 * `create-environment` and `retire-environment` in Backstage's actions
 * registry (MCP clients): the same operations as the scaffolder's
 * `gitops:environment:create` / `:retire` and the HTTP API, with the
 * caller's own credentials (door `actions`).
 */
export function registerEnvironmentActions(
  actionsRegistry: ActionsRegistryService,
  environments: EnvironmentService,
): void {
  actionsRegistry.register({
    name: 'create-environment',
    title: 'Add an environment to a GitOps pipeline',
    description:
      'Adds an environment to the pipeline file of a GitOps repository (a new stage after a given stage, or a parallel environment in an existing stage) ' +
      'and copies the manifests of every service enabled in a source environment, with the namespace and the names containing the environment rewritten. ' +
      'Writes one pull request (or a direct commit when every environment of the repository is written directly). Needs gitops.environment.manage. ' +
      'With dryRun: true, returns the full diff and writes nothing.',
    attributes: { destructive: true, idempotent: false, readOnly: false },
    schema: {
      input: z =>
        z.object({
          repositoryId: z.string().describe('The GitOps repository id'),
          name: z.string().describe('The new environment, a DNS label'),
          placement: z
            .object({
              kind: z.enum(['after-stage', 'join-stage']),
              after: z.string().optional(),
              stage: z.string().optional(),
            })
            .describe(
              '{kind: after-stage, after: <stage>} or {kind: join-stage, stage: <stage>}',
            ),
          sourceEnvironment: z
            .string()
            .describe(
              'Copy the services (and their versions) of this environment',
            ),
          cluster: z.string(),
          namespace: z.string(),
          url: z.string().optional(),
          promotion: z
            .record(z.string(), z.unknown())
            .optional()
            .describe(
              "The environment's promotion policy, as in the pipeline file (mode, approvals, approverGroup, soakTime, freezeWindows)",
            ),
          reason: z.string().optional(),
          dryRun: z.boolean().optional(),
        }),
      output: z =>
        z.object({
          environment: z.string(),
          mode: z.string(),
          files: z.array(z.object({ path: z.string(), diff: z.string() })),
          commitSha: z.string().optional(),
          branch: z.string().optional(),
          pullRequestUrl: z.string().optional(),
        }),
    },
    action: async ({ input, credentials }) => {
      const { repositoryId, dryRun, placement, ...rest } = input;
      const change = await environments.create(
        repositoryId,
        {
          ...rest,
          placement:
            placement.kind === 'after-stage'
              ? { kind: placement.kind, after: placement.after }
              : { kind: placement.kind, stage: placement.stage },
        },
        callerOf(credentials, 'actions'),
        Boolean(dryRun),
      );
      return {
        output: {
          environment: change.environment,
          mode: change.mode,
          files: change.files.map(f => ({ path: f.path, diff: f.diff })),
          ...(change.commitSha ? { commitSha: change.commitSha } : {}),
          ...(change.branch ? { branch: change.branch } : {}),
          ...(change.pullRequestUrl
            ? { pullRequestUrl: change.pullRequestUrl }
            : {}),
        },
      };
    },
  });

  actionsRegistry.register({
    name: 'retire-environment',
    title: 'Retire an environment, or disable a service in it',
    description:
      'Removes an environment from the pipeline file of a GitOps repository and deletes its manifests, or (with service) disables one service there, ' +
      'in one pull request. Refused while the environment has an open action or a hold. Needs gitops.environment.manage. ' +
      'With dryRun: true, returns the diff and the files it would delete, and writes nothing.',
    attributes: { destructive: true, idempotent: false, readOnly: false },
    schema: {
      input: z =>
        z.object({
          repositoryId: z.string().describe('The GitOps repository id'),
          environment: z.string(),
          service: z
            .string()
            .optional()
            .describe('Only disable this service in the environment'),
          reason: z.string().optional(),
          dryRun: z.boolean().optional(),
        }),
      output: z =>
        z.object({
          environment: z.string(),
          files: z.array(
            z.object({
              path: z.string(),
              deleted: z.boolean(),
              diff: z.string(),
            }),
          ),
          branch: z.string().optional(),
          pullRequestUrl: z.string().optional(),
        }),
    },
    action: async ({ input, credentials }) => {
      const { repositoryId, dryRun, ...body } = input;
      const change = await environments.retire(
        repositoryId,
        body,
        callerOf(credentials, 'actions'),
        Boolean(dryRun),
      );
      return {
        output: {
          environment: change.environment,
          files: change.files.map(f => ({
            path: f.path,
            deleted: Boolean(f.deleted),
            diff: f.diff,
          })),
          ...(change.branch ? { branch: change.branch } : {}),
          ...(change.pullRequestUrl
            ? { pullRequestUrl: change.pullRequestUrl }
            : {}),
        },
      };
    },
  });

  actionsRegistry.register({
    name: 'merge-environment-change',
    title: 'Merge a reviewed environment change',
    description:
      'Merges the branch of an environment change (gitops/environment-<env>, gitops/retire-<env>, gitops/retire-<service>@<env> or gitops/service-<service>) at the commit that was reviewed, ' +
      'as a fast-forward of the branch clusters follow; refused when either branch moved. Needs gitops.environment.manage.',
    attributes: { destructive: true, idempotent: false, readOnly: false },
    schema: {
      input: z =>
        z.object({
          repositoryId: z.string(),
          branch: z.string(),
          commitSha: z.string().describe('The reviewed commit (40 hex)'),
        }),
      output: z => z.object({ branch: z.string(), mergeSha: z.string() }),
    },
    action: async ({ input, credentials }) => {
      const { repositoryId, ...body } = input;
      const out = await environments.review(
        repositoryId,
        body,
        callerOf(credentials, 'actions'),
        'merge',
      );
      return { output: { branch: out.branch, mergeSha: out.mergeSha! } };
    },
  });

  actionsRegistry.register({
    name: 'close-environment-change',
    title: 'Close an environment change without merging it',
    description:
      'Closes the pull request of an environment change and deletes its branch. Needs gitops.environment.manage.',
    attributes: { destructive: true, idempotent: false, readOnly: false },
    schema: {
      input: z => z.object({ repositoryId: z.string(), branch: z.string() }),
      output: z => z.object({ branch: z.string(), closed: z.boolean() }),
    },
    action: async ({ input, credentials }) => {
      const { repositoryId, ...body } = input;
      const out = await environments.review(
        repositoryId,
        body,
        callerOf(credentials, 'actions'),
        'close',
      );
      return { output: { branch: out.branch, closed: true } };
    },
  });

  actionsRegistry.register({
    name: 'add-service',
    title: 'Onboard a service into a GitOps pipeline',
    description:
      'Adds a service whose manifests are in the GitOps repository to its pipeline file: path template, version locator, the environments it runs in ' +
      '(the others get enabled: false), optional versions per environment. The locator must find the version in every manifest. One pull request; ' +
      'needs gitops.environment.manage. With dryRun: true, returns the diff and writes nothing.',
    attributes: { destructive: true, idempotent: false, readOnly: false },
    schema: {
      input: z =>
        z.object({
          repositoryId: z.string(),
          service: z.string(),
          path: z
            .string()
            .describe('e.g. apps/{service}/{environment}/values.yaml'),
          locator: z.object({
            type: z.string(),
            options: z.record(z.string(), z.unknown()).optional(),
          }),
          environments: z.array(z.string()),
          versions: z.record(z.string(), z.string()).optional(),
          reason: z.string().optional(),
          dryRun: z.boolean().optional(),
        }),
      output: z =>
        z.object({
          files: z.array(z.object({ path: z.string(), diff: z.string() })),
          branch: z.string().optional(),
          pullRequestUrl: z.string().optional(),
        }),
    },
    action: async ({ input, credentials }) => {
      const { repositoryId, dryRun, ...body } = input;
      const change = await environments.addService(
        repositoryId,
        body,
        callerOf(credentials, 'actions'),
        Boolean(dryRun),
      );
      return {
        output: {
          files: change.files.map(f => ({ path: f.path, diff: f.diff })),
          ...(change.branch ? { branch: change.branch } : {}),
          ...(change.pullRequestUrl
            ? { pullRequestUrl: change.pullRequestUrl }
            : {}),
        },
      };
    },
  });
}
