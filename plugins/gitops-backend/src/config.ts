import type { Config } from '@backstage/config';
import { InputError } from '@backstage/errors';
import { NAME_PATTERN } from '@gitops2/plugin-gitops-common';
import { z } from 'zod';
import { DEFAULT_MAX_FILE_BYTES } from './git/types';
import { targetEntryProblem } from './steps/outbound/TargetPolicy';

const durationSchema = z
  .object({
    milliseconds: z.number().nonnegative().optional(),
    seconds: z.number().nonnegative().optional(),
    minutes: z.number().nonnegative().optional(),
    hours: z.number().nonnegative().optional(),
  })
  .strict();

const BRANCH_RULE = /^(?!-)(?!.*\.\.)[A-Za-z0-9._/-]{1,255}$/;
const PIPELINE_PATH_RULE = /^(?!\/)(?!.*(^|\/)\.\.(\/|$))[^\\\0]+\.ya?ml$/;

/** A pipeline file kept in another repository (`pipelineFrom`). */
const pipelineFromSchema = z
  .object({
    provider: z.enum(['local', 'github']),
    url: z.string().min(1),
    branch: z
      .string()
      .regex(BRANCH_RULE, 'is not a valid branch name')
      .default('main'),
    path: z
      .string()
      .regex(
        PIPELINE_PATH_RULE,
        'must be a relative path to a .yaml file inside the repository',
      ),
  })
  .strict()
  .superRefine((from, ctx) => {
    if (
      from.provider === 'github' &&
      !/^https:\/\/[^/]+\/[^/]+\/[^/]+?(\.git)?\/?$/.test(from.url)
    ) {
      ctx.addIssue({
        code: 'custom',
        path: ['url'],
        message:
          'must be https://<host>/<owner>/<repo> for the github provider',
      });
    }
  });

const repositorySchema = z
  .object({
    id: z
      .string()
      .regex(NAME_PATTERN, 'must be 1-63 letters, digits, ".", "_" or "-"'),
    provider: z.enum(['local', 'github']),
    url: z.string().min(1),
    branch: z
      .string()
      .regex(BRANCH_RULE, 'is not a valid branch name')
      .default('main'),
    pipelineFile: z
      .string()
      .regex(
        PIPELINE_PATH_RULE,
        'must be a relative path to a .yaml file inside the repository',
      )
      .optional(),
    /**
     * The pipeline itself, for teams that cannot add a file to the GitOps
     * repository (validated at startup by validateInlinePipelines).
     */
    pipeline: z.record(z.string(), z.unknown()).optional(),
    /** The pipeline file in another repository. */
    pipelineFrom: pipelineFromSchema.optional(),
    commitUrlTemplate: z
      .string()
      .regex(/^https?:\/\/.*\{sha\}/, 'must be an http(s) URL containing {sha}')
      .optional(),
    portalCommitsFile: z.string().min(1).optional(),
    reingest: z
      .string()
      .min(1)
      .max(255, 'must be at most 255 characters')
      .optional(),
    webUrl: z
      .string()
      .max(500)
      .regex(
        /^https?:\/\/[^/\s@]+\/[^/\s]+\/[^/\s]+?\/?$/,
        'must be http(s)://<host>/<owner>/<repo>',
      )
      .optional(),
  })
  .strict()
  .superRefine((repo, ctx) => {
    const where = [
      repo.pipelineFile !== undefined && 'pipelineFile',
      repo.pipeline !== undefined && 'pipeline',
      repo.pipelineFrom !== undefined && 'pipelineFrom',
    ].filter(Boolean);
    if (where.length > 1) {
      ctx.addIssue({
        code: 'custom',
        path: [where[1] as string],
        message: `the pipeline is in one place: ${where.join(
          ', ',
        )} are exclusive`,
      });
    }
    if (repo.webUrl && repo.provider !== 'local') {
      ctx.addIssue({
        code: 'custom',
        path: ['webUrl'],
        message: 'is for local repositories; a github repository has its url',
      });
    }
    if (
      repo.provider === 'github' &&
      !/^https:\/\/[^/]+\/[^/]+\/[^/]+?(\.git)?\/?$/.test(repo.url)
    ) {
      ctx.addIssue({
        code: 'custom',
        path: ['url'],
        message:
          'must be https://<host>/<owner>/<repo> for the github provider',
      });
    }
  })
  .transform(repo => ({
    ...repo,
    /**
     * The pipeline file in the repository; for a pipeline in app-config or
     * in another repository, where it is (shown in messages, never read
     * from the GitOps repository).
     */
    pipelineFile: repo.pipelineFile ?? defaultPipelineFile(repo),
  }));

/** Where a repository's pipeline is when no pipelineFile is named. */
function defaultPipelineFile(repo: {
  id: string;
  pipeline?: unknown;
  pipelineFrom?: Parameters<typeof pipelineFromLabel>[0];
}): string {
  if (repo.pipeline)
    return `app-config gitops.repositories[${repo.id}].pipeline`;
  if (repo.pipelineFrom) return pipelineFromLabel(repo.pipelineFrom);
  return 'gitops-pipeline.yaml';
}

/** `shop.yaml of https://github.com/acme/pipelines (main)`. */
function pipelineFromLabel(from: {
  provider: string;
  url: string;
  branch: string;
  path: string;
}): string {
  return `${from.path} of ${
    from.provider === 'github' ? from.url : 'a local repository'
  } (${from.branch})`;
}

const sourceRootSchema = z
  .object({
    id: z
      .string()
      .regex(NAME_PATTERN, 'must be 1-63 letters, digits, ".", "_" or "-"'),
    provider: z.literal('local'),
    path: z.string().min(1),
    commitUrlTemplate: z
      .string()
      .regex(/^https?:\/\/.*\{sha\}/, 'must be an http(s) URL containing {sha}')
      .optional(),
    pullRequestUrlTemplate: z
      .string()
      .regex(
        /^https?:\/\/.*\{number\}/,
        'must be an http(s) URL containing {number}',
      )
      .optional(),
  })
  .strict();

function isRegex(pattern: string, needsShaGroup: boolean): boolean {
  try {
    const re = new RegExp(pattern);
    return !needsShaGroup || /\(\?<sha>/.test(re.source);
  } catch {
    return false;
  }
}

const SHARE_RULE =
  "must be a number greater than 0 and at most 1: the share of GitHub's hourly rate limit the backfill may use (e.g. 0.5)";

/** Correlation backfill (docs/configuration.md "Correlation backfill"). */
const backfillSchema = z
  .object({
    enabled: z.boolean().default(true),
    /** Pending GitHub rollouts from which a run backfills rather than asks per rollout. */
    minPending: z.number().int().min(1).max(1_000_000).default(50),
    rateLimitShare: z
      .number(SHARE_RULE)
      .gt(0, SHARE_RULE)
      .max(1, SHARE_RULE)
      .default(0.5),
    reposPerQuery: z
      .number()
      .int('must be a whole number from 1 to 10')
      .min(1, 'must be a whole number from 1 to 10')
      .max(10, 'must be a whole number from 1 to 10')
      .default(5),
  })
  .strict();

const correlationSchema = z
  .object({
    frequency: durationSchema.default({ seconds: 30 }),
    timeout: durationSchema.default({ minutes: 10 }),
    tagPattern: z
      .string()
      .refine(
        p => isRegex(p, true),
        'must be a regular expression with a named group (?<sha>…)',
      )
      .optional(),
    issueKeyPatterns: z
      .array(
        z
          .string()
          .min(1)
          .refine(p => isRegex(p, false), 'must be a regular expression'),
      )
      .min(1)
      .default(['[A-Z][A-Z0-9]+-[0-9]+']),
    issueUrlTemplate: z
      .string()
      .regex(/^https?:\/\/.*\{key\}/, 'must be an http(s) URL containing {key}')
      .optional(),
    baselineMaxCommits: z.number().int().min(0).max(100000).default(1000),
    batchSize: z.number().int().min(1).max(10000).default(200),
    backfill: backfillSchema.default(backfillSchema.parse({})),
  })
  .strict();

const MAX_MANIFEST_BYTES_RULE =
  'must be a whole number of bytes from 1024 (1 KiB) to 104857600 (100 MiB, the largest file GitHub serves)';

const limitsSchema = z
  .object({
    maxManifestBytes: z
      .number(MAX_MANIFEST_BYTES_RULE)
      .int(MAX_MANIFEST_BYTES_RULE)
      .min(1024, MAX_MANIFEST_BYTES_RULE)
      .max(100 * 1024 * 1024, MAX_MANIFEST_BYTES_RULE)
      .default(DEFAULT_MAX_FILE_BYTES),
  })
  .strict();

const STEP_SECRET_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/;

const prometheusServerSchema = z
  .object({
    url: z.string().refine(v => {
      try {
        const u = new URL(v);
        return /^https?:$/.test(u.protocol) && !u.username && !u.password;
      } catch {
        return false;
      }
    }, 'must be an http(s) URL without credentials (put a token in headers)'),
    headers: z.record(z.string(), z.string()).optional(),
  })
  .strict();

/** Deployment steps (docs/configuration.md "Steps"). */
const stepsSchema = z
  .object({
    allowedTargets: z
      .array(
        z.string().superRefine((v, ctx) => {
          const problem = targetEntryProblem(v);
          if (problem) ctx.addIssue({ code: 'custom', message: problem });
        }),
      )
      .max(1000)
      .default([]),
    allowEnvironmentUrls: z.boolean().default(false),
    secrets: z
      .record(
        z
          .string()
          .regex(
            STEP_SECRET_NAME,
            'names are 1-63 letters, digits, ".", "_" or "-"',
          ),
        // Step output is scrubbed of secrets by value: a very short
        // value would scrub ordinary text (and is no secret).
        z.string().min(8, 'must be at least 8 characters'),
      )
      .default({}),
    prometheus: z
      .record(
        z
          .string()
          .regex(
            NAME_PATTERN,
            'names are 1-63 letters, digits, ".", "_" or "-"',
          ),
        prometheusServerSchema,
      )
      .default({}),
    maxResponseBytes: z
      .number()
      .int()
      .min(1024)
      .max(10 * 1024 * 1024)
      .default(1024 * 1024),
    maxRedirects: z.number().int().min(0).max(3).default(3),
  })
  .strict();

const gitopsConfigSchema = z
  .object({
    repositories: z.array(repositorySchema).default([]),
    sourceRoots: z.array(sourceRootSchema).default([]),
    correlation: correlationSchema.default(correlationSchema.parse({})),
    ingestion: z
      .object({
        frequency: durationSchema.default({ seconds: 30 }),
        timeout: durationSchema.default({ minutes: 10 }),
        leaseSeconds: z
          .number()
          .int('must be a whole number of seconds')
          .min(2, 'must be 2 to 3600')
          .max(3600, 'must be 2 to 3600')
          .default(30),
        maxConcurrentRuns: z
          .number()
          .int('must be a whole number of runs')
          .min(0, 'must be 0 to 1000')
          .max(1000, 'must be 0 to 1000')
          .default(0),
        maxHistoryCommits: z
          .number()
          .int('must be a whole number of commits')
          .min(0, 'must be 0 to 1000000')
          .max(1_000_000, 'must be 0 to 1000000')
          .default(20_000),
      })
      .strict()
      .default({
        frequency: { seconds: 30 },
        timeout: { minutes: 10 },
        leaseSeconds: 30,
        maxConcurrentRuns: 0,
        maxHistoryCommits: 20_000,
      }),
    promotion: z
      .object({
        leaseSeconds: z.number().int().min(2).max(3600).default(30),
        reconcileFrequency: durationSchema.default({ seconds: 30 }),
      })
      .strict()
      .default({ leaseSeconds: 30, reconcileFrequency: { seconds: 30 } }),
    limits: limitsSchema.default(limitsSchema.parse({})),
    steps: stepsSchema.default(stepsSchema.parse({})),
    // Validated by src/cluster/clusterConfig.ts (this schema is strict, so the
    // keys must be allowed here).
    clusters: z.array(z.any()).optional(),
    useKubernetesPluginClusters: z.boolean().optional(),
    demoCluster: z.any().optional(),
    // Read where they are used: events by src/events/cd/cdEventsModule.ts,
    // signals by ChangeKeys (plugin.ts).
    events: z.any().optional(),
    signals: z.any().optional(),
    /** Owner of the environment entities whose pipeline names none. */
    environmentOwner: z
      .string()
      .regex(
        /^([a-z]+:)?([A-Za-z0-9._-]+\/)?[A-Za-z0-9._-]{1,63}$/,
        'must be an entity ref, e.g. group:default/platform',
      )
      .default('group:default/platform'),
  })
  .strict();

export type GitopsConfig = z.infer<typeof gitopsConfigSchema>;
export type RepositoryConfig = GitopsConfig['repositories'][number];
export type SourceRootConfig = GitopsConfig['sourceRoots'][number];
export type CorrelationConfig = GitopsConfig['correlation'];
export type LimitsConfig = GitopsConfig['limits'];
export type StepsConfig = GitopsConfig['steps'];

/**
 * Reads and validates the `gitops` section of app-config. Fails startup with
 * a message naming the key, rather than misbehaving later.
 */
export function readGitopsConfig(config: Config): GitopsConfig {
  const raw = config.getOptional('gitops') ?? {};
  const result = gitopsConfigSchema.safeParse(raw);
  if (!result.success) {
    const issues = result.error.issues
      .map(i => `gitops.${i.path.join('.')}: ${i.message}`)
      .join('; ');
    throw new InputError(`Invalid gitops configuration: ${issues}`);
  }
  const ids = new Set<string>();
  for (const r of result.data.repositories) {
    if (ids.has(r.id)) {
      throw new InputError(
        `Invalid gitops configuration: gitops.repositories: duplicate id "${r.id}"`,
      );
    }
    ids.add(r.id);
  }
  const roots = new Set<string>();
  for (const r of result.data.sourceRoots) {
    if (roots.has(r.id)) {
      throw new InputError(
        `Invalid gitops configuration: gitops.sourceRoots: duplicate id "${r.id}"`,
      );
    }
    roots.add(r.id);
  }
  return result.data;
}
