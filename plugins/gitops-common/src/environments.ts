import { z } from 'zod';
import { nameSchema } from './api';
import { versionSchema } from './promotion';

/**
 * A DNS label (RFC 1123), as Kubernetes requires of a namespace: 1–63
 * lowercase letters, digits and "-", starting and ending with a letter or
 * digit. @public
 */
export const DNS_LABEL_PATTERN = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;

/** Where a new environment goes in the promotion order. @public */
export const environmentPlacementSchema = z.discriminatedUnion('kind', [
  /** A new stage of its own, right after `after`. */
  z.object({ kind: z.literal('after-stage'), after: nameSchema }).strict(),
  /** A parallel environment in an existing stage (e.g. prod-asia beside prod-us). */
  z.object({ kind: z.literal('join-stage'), stage: nameSchema }).strict(),
]);

/**
 * Body of POST /v1/repositories/:id/environments (and its preview), and the
 * input of `gitops:environment:create`. `promotion` is the pipeline file's
 * promotion policy, checked by the backend with the file's own rules.
 * @public
 */
export const environmentCreateRequestSchema = z
  .object({
    /** A DNS label: it ends up in paths, namespaces and resource names. */
    name: z
      .string()
      .regex(
        DNS_LABEL_PATTERN,
        'must be a DNS label: 1-63 lowercase letters, digits or "-", starting and ending with a letter or digit',
      ),
    placement: environmentPlacementSchema,
    /** Copy every service enabled here, with its manifests. */
    sourceEnvironment: nameSchema,
    cluster: nameSchema,
    namespace: z
      .string()
      .regex(
        DNS_LABEL_PATTERN,
        'must be a DNS label: 1-63 lowercase letters, digits or "-", starting and ending with a letter or digit',
      ),
    url: z
      .string()
      .max(2048)
      .regex(/^https?:\/\/[^\s]+$/, 'must be an http(s) URL')
      .optional(),
    promotion: z.record(z.string(), z.unknown()).optional(),
    reason: z.string().max(1000).optional(),
  })
  .strict();

/** @public */
export type EnvironmentCreateRequest = z.infer<
  typeof environmentCreateRequestSchema
>;

/**
 * Body of POST /v1/repositories/:id/environments/:name/retire (and its
 * preview), and the input of `gitops:environment:retire`: the whole
 * environment, or only `service` there. @public
 */
export const environmentRetireRequestSchema = z
  .object({
    environment: nameSchema,
    service: nameSchema.optional(),
    reason: z.string().max(1000).optional(),
  })
  .strict();

/** @public */
export type EnvironmentRetireRequest = z.infer<
  typeof environmentRetireRequestSchema
>;

/** One file an environment change writes, with its diff. @public */
export interface EnvironmentFileChange {
  path: string;
  /** The change deletes this file. */
  deleted?: boolean;
  /** `pipeline` for the pipeline file, else the service whose manifest it is. */
  purpose: 'pipeline' | 'manifest';
  service?: string;
  /** Unified diff against the file at the base commit (/dev/null when new). */
  diff: string;
}

/** What creating an environment writes (preview) or wrote. @public */
export interface EnvironmentChange {
  repositoryId: string;
  environment: string;
  /** The commit the change was planned on. */
  baseSha: string;
  mode: 'pull-request' | 'direct';
  /**
   * Services copied from the source environment (or deleted), with their
   * version; for an onboarded service, one item per environment.
   */
  services: Array<{
    service: string;
    version: string;
    file: string;
    environment?: string;
  }>;
  files: EnvironmentFileChange[];
  dryRun: boolean;
  /** Set once written. */
  commitSha?: string;
  branch?: string;
  pullRequestUrl?: string;
}

/**
 * Body of POST /v1/repositories/:id/services (and its preview), and the
 * input of `gitops:service:add`: onboard a service whose manifests are in
 * the repository already. @public
 */
export const serviceAddRequestSchema = z
  .object({
    service: nameSchema,
    /** Manifest path with `{environment}` (and `{service}`), e.g. `apps/{service}/{environment}/values.yaml`. */
    path: z.string().min(1).max(512),
    locator: z
      .object({
        type: z.string().min(1).max(63),
        options: z.record(z.string(), z.unknown()).optional(),
      })
      .strict(),
    /** Where it runs: the other environments get `enabled: false`. */
    environments: z.array(nameSchema).min(1).max(100),
    /** Version to write per environment (optional; default: what the manifest says). */
    versions: z.record(nameSchema, versionSchema).optional(),
    reason: z.string().max(1000).optional(),
  })
  .strict();

/** @public */
export type ServiceAddRequest = z.infer<typeof serviceAddRequestSchema>;

/**
 * Response of GET /v1/repositories/:id/pipeline: what the forms of the
 * environment templates offer (stages, environments, known clusters,
 * services), read from the pipeline file at the head of the repository.
 * @public
 */
export interface PipelineChoices {
  repositoryId: string;
  /** The commit the choices were read at. */
  headSha: string;
  stages: Array<{ name: string; environments: string[] }>;
  environments: Array<{
    name: string;
    stage: string;
    cluster?: string;
    namespace?: string;
    url?: string;
  }>;
  /**
   * The clusters a new environment may name: configured (`gitops.clusters`,
   * the demo's), or already used by an environment of the pipeline.
   */
  clusters: Array<{
    name: string;
    configured: boolean;
    environments: string[];
  }>;
  /** Services of the pipeline (`spec.services`). */
  services: string[];
  /** Version locator types the backend knows (for onboarding a service). */
  locatorTypes: string[];
}

/** Body of POST /v1/repositories/:id/environments/merge. @public */
export interface EnvironmentChangeMergeRequest {
  branch: string;
  /** The commit that was reviewed: only it is merged. */
  commitSha: string;
}

/**
 * Environments from the portal, as the frontend calls them: the choices of
 * the templates' forms, their preview, and merging or closing a change.
 * @public
 */
export interface GitopsEnvironmentsApi {
  getPipelineChoices(repositoryId: string): Promise<PipelineChoices>;
  previewEnvironment(
    repositoryId: string,
    request: EnvironmentCreateRequest,
  ): Promise<EnvironmentChange>;
  previewService(
    repositoryId: string,
    request: ServiceAddRequest,
  ): Promise<EnvironmentChange>;
  mergeEnvironmentChange(
    repositoryId: string,
    request: EnvironmentChangeMergeRequest,
  ): Promise<{ branch: string; mergeSha?: string }>;
  closeEnvironmentChange(
    repositoryId: string,
    branch: string,
  ): Promise<{ branch: string; closed?: boolean }>;
}
