import type { SourceError } from '@gitops2/plugin-gitops-common';
import {
  charLength,
  lengthProblem,
  ROLLOUT_COLUMN_LIMITS,
  VERSION_LIMIT,
} from '../database/columnLimits';
import type { NewIngestionErrorRow, NewRolloutRow } from '../database/tables';
import type { FileContent, GitCommit } from '../git/types';
import { OversizedFile } from '../git/types';
import type { VersionLocatorRegistry } from '../locators/VersionLocatorRegistry';
import type { ParsedPipeline, ServiceEnvironmentSpec } from '../pipeline/types';
import { classifyRollout, parseTrailers } from './classifyRollout';
import { EnvState, stateKey } from './envState';
import { trustedTrailers } from './trustedTrailers';

/** What one commit does to the ledger. */
export interface CommitReplay {
  rollouts: NewRolloutRow[];
  /** The new state of every (service, environment) the commit touched. */
  states: Map<string, EnvState>;
  errors: NewIngestionErrorRow[];
}

interface Read {
  version: string | null;
  line: number | null;
  error: SourceError | null;
  file: string;
}

/**
 * Replays one commit against the states before it, without changing them:
 * the caller applies the result only when the whole commit replayed. A
 * manifest that cannot be read, a locator that throws, or a version longer
 * than the ledger stores is an error of that environment (its last good
 * version stays) and an ingestion error of the commit; the commit's other
 * environments are recorded.
 */
export function replayCommit(options: {
  repositoryId: string;
  locators: VersionLocatorRegistry;
  states: ReadonlyMap<string, EnvState>;
  commit: GitCommit;
  pipeline: ParsedPipeline;
  updates: Array<{ spec: ServiceEnvironmentSpec; content: FileContent }>;
  writtenByPortal: boolean;
  /**
   * The commit is read with a pipeline that was not in the repository yet
   * (docs/pipeline.md, "Adopting an existing repository"): a manifest that
   * does not exist means the service was not deployed there yet, not an
   * error.
   */
  notDeployedWhenMissing?: boolean;
}): CommitReplay {
  const { repositoryId, commit, states, updates } = options;
  const subject = commit.message.split('\n')[0];
  const trailers = trustedTrailers(
    parseTrailers(commit.message),
    options.writtenByPortal,
  );
  const errors: NewIngestionErrorRow[] = [];
  const ingestionError = (spec: ServiceEnvironmentSpec, message: string) =>
    errors.push({
      repository_id: repositoryId,
      commit_sha: commit.sha,
      service: spec.service,
      environment: spec.environment,
      message,
    });

  // Versions of the previous stage as of this commit (including its own
  // changes, so a commit that bumps staging and prod together still reads
  // as a promotion).
  const pending = new Map<string, Read>();
  for (const { spec, content } of updates) {
    pending.set(
      stateKey(spec.service, spec.environment),
      readVersion(options.locators, spec, content, commit, ingestionError),
    );
  }
  const versionAt = (service: string, env: string) =>
    pending.get(stateKey(service, env))?.version ??
    states.get(stateKey(service, env))?.version ??
    null;

  const rollouts: NewRolloutRow[] = [];
  const next = new Map<string, EnvState>();
  for (const { spec, content } of updates) {
    const k = stateKey(spec.service, spec.environment);
    const read = pending.get(k)!;
    const prev = states.get(k);
    if (
      options.notDeployedWhenMissing &&
      content === undefined &&
      (prev?.version ?? null) === null
    ) {
      continue;
    }
    const state: EnvState = prev
      ? { ...prev }
      : { version: null, file: spec.path, line: null, error: null };
    state.file = read.file;
    state.error = read.error;
    if (read.version !== null) {
      state.line = read.line;
      if (read.version !== prev?.version) {
        const rollout = rolloutOf({
          repositoryId,
          commit,
          subject,
          trailers,
          spec,
          pipeline: options.pipeline,
          from: prev?.version ?? null,
          to: read.version,
          versionAt,
        });
        const problem = lengthProblem(rollout, ROLLOUT_COLUMN_LIMITS);
        if (problem) {
          ingestionError(spec, `rollout not recorded: ${problem}`);
          state.error = { message: problem, file: spec.path };
        } else {
          rollouts.push(rollout);
          state.version = read.version;
          state.change = {
            sha: commit.sha,
            at: commit.committedAt,
            author: commit.authorName,
            email: commit.authorEmail,
            subject,
          };
        }
      }
    }
    next.set(k, state);
  }
  return { rollouts, states: next, errors };
}

function readVersion(
  locators: VersionLocatorRegistry,
  spec: ServiceEnvironmentSpec,
  content: FileContent,
  commit: GitCommit,
  ingestionError: (spec: ServiceEnvironmentSpec, message: string) => void,
): Read {
  const failed = (error: SourceError): Read => ({
    version: null,
    line: error.line ?? null,
    error,
    file: spec.path,
  });
  if (content instanceof OversizedFile) {
    return failed({ message: content.describe('manifest'), file: spec.path });
  }
  if (content === undefined) {
    return failed({
      message: `manifest not found at commit ${commit.sha.slice(0, 12)}`,
      file: spec.path,
    });
  }
  const locator = locators.get(spec.locator.type);
  if (!locator) {
    return failed({
      message: `unknown locator type "${spec.locator.type}"`,
      file: spec.path,
    });
  }
  let result;
  try {
    result = locator.read(content, spec.path, spec.locator.options);
  } catch (e) {
    // Locators must not throw; one that does breaks this environment at
    // this commit, never the repository.
    const message = `the ${spec.locator.type} locator failed: ${
      e instanceof Error ? e.message : String(e)
    }`;
    ingestionError(spec, message);
    return failed({ message, file: spec.path });
  }
  if (!result.ok) return failed(result.error);
  const length = charLength(result.version);
  if (length > VERSION_LIMIT) {
    const message = `the version is ${length} characters, longer than the ${VERSION_LIMIT} the ledger stores`;
    ingestionError(spec, message);
    return failed({ message, file: spec.path, line: result.line });
  }
  return {
    version: result.version,
    line: result.line ?? null,
    error: null,
    file: spec.path,
  };
}

function rolloutOf(o: {
  repositoryId: string;
  commit: GitCommit;
  subject: string;
  trailers: Record<string, string>;
  spec: ServiceEnvironmentSpec;
  pipeline: ParsedPipeline;
  from: string | null;
  to: string;
  versionAt: (service: string, env: string) => string | null;
}): NewRolloutRow {
  const { commit, trailers, spec } = o;
  const def = o.pipeline.definition;
  const envDef = def?.environments.find(e => e.name === spec.environment);
  const prevStage =
    envDef && envDef.stageIndex > 0
      ? def!.stages[envDef.stageIndex - 1]
      : undefined;
  const kind = classifyRollout({
    trailers,
    subject: o.subject,
    fromVersion: o.from,
    toVersion: o.to,
    previousStageVersions: (prevStage?.environments ?? []).map(e =>
      o.versionAt(spec.service, e),
    ),
  });
  const sourceCommit = trailers['gitops-source-commit'] ?? '';
  return {
    repository_id: o.repositoryId,
    service: spec.service,
    environment: spec.environment,
    from_version: o.from,
    to_version: o.to,
    kind,
    commit_sha: commit.sha,
    author_name: commit.authorName.slice(0, 255),
    author_email: commit.authorEmail.slice(0, 255) || null,
    subject: o.subject.slice(0, 1024),
    initiator: (
      trailers['gitops-initiator'] ??
      `${commit.authorName} <${commit.authorEmail}>`
    ).slice(0, 255),
    file: spec.path,
    source_commit_sha: /^[0-9a-f]{7,64}$/i.test(sourceCommit)
      ? sourceCommit.toLowerCase()
      : null,
    desired_at: new Date(commit.committedAt) as any,
  };
}
