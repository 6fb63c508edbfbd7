import type { Entity } from '@backstage/catalog-model';
import { InputError, NotFoundError } from '@backstage/errors';
import {
  ChangeSet,
  FeatureEnvironmentPresence,
  FeatureLookupResponse,
  FeatureServicePresence,
  IssueRef,
  parseFeatureQuery,
  PendingChangesResponse,
  PipelineDefinition,
  PullRequestRef,
  SourceCommit,
} from '@gitops2/plugin-gitops-common';
import { CorrelationConfig } from '../config';
import { Direction, PullRequestInfo } from '../correlation/analyzeCommits';
import { Correlator } from '../correlation/Correlator';
import {
  CorrelationRow,
  CorrelationStore,
  FeatureRefRow,
} from '../correlation/CorrelationStore';
import { SourceRepository } from '../correlation/types';
import {
  SourceRepositoryResolver,
  sourceRepositoryIdOf,
} from '../correlation/sourceRepositories';
import { LedgerStore } from '../database/LedgerStore';
import { toIso } from '../database/tables';
import { GitopsService } from './GitopsService';

/** A commit with its feature references, before it becomes a SourceCommit. */
interface CommitFacts {
  sha: string;
  subject: string;
  authorName: string;
  authorEmail?: string | null;
  committedAt: string;
  coAuthors: string[];
  pullRequests: number[];
  issueKeys: string[];
  direction: Direction;
}

const epoch = (v: Date | string | number) =>
  v instanceof Date ? v.getTime() : new Date(v).getTime();

/**
 * Read side of the correlation: change sets, feature lookups, pending
 * changes. Reads the ledger only, except `getPendingChanges`, which asks the
 * local source repository for the commits between two versions that no
 * rollout compared yet.
 */
export class CorrelationService {
  constructor(
    private readonly options: {
      ledger: LedgerStore;
      store: CorrelationStore;
      resolver: SourceRepositoryResolver;
      correlator: Correlator;
      config: CorrelationConfig;
      gitops: GitopsService;
    },
  ) {}

  async getChangeSet(rolloutId: string): Promise<ChangeSet> {
    const { ledger, store } = this.options;
    const rollout = await ledger.getRollout(rolloutId);
    if (!rollout) throw new NotFoundError(`rollout ${rolloutId} not found`);
    const corr = await store.getCorrelation(rolloutId);
    if (!corr) {
      return {
        rolloutId,
        status: 'pending',
        message: 'not correlated yet: correlation runs after each ingestion',
        added: [],
        removed: [],
        pullRequests: [],
        issueKeys: [],
        authors: [],
      };
    }
    const facts = await this.storedFacts(corr);
    const changeSet = await this.buildChangeSet(corr, facts);
    if (corr.checks) changeSet.checks = JSON.parse(corr.checks);
    return { rolloutId, ...changeSet };
  }

  private async storedFacts(corr: CorrelationRow): Promise<CommitFacts[]> {
    const { store } = this.options;
    if (!corr.source_repository || corr.status !== 'resolved') return [];
    const rows = await store.changeSetCommits(String(corr.rollout_id));
    const refs = await store.refsOf(
      corr.source_repository,
      rows.map(r => r.sha),
    );
    const refsBySha = groupRefs(refs);
    return rows.map(r => ({
      sha: r.sha,
      subject: r.subject,
      authorName: r.author_name,
      authorEmail: r.author_email,
      committedAt: toIso(r.committed_at) ?? '',
      coAuthors: r.co_authors ? JSON.parse(r.co_authors) : [],
      pullRequests: refsBySha.get(r.sha)?.prs ?? [],
      issueKeys: refsBySha.get(r.sha)?.issues ?? [],
      direction: r.direction,
    }));
  }

  private async buildChangeSet(
    corr: {
      status: ChangeSet['status'];
      message?: string | null;
      source_repository?: string | null;
      from_commit?: string | null;
      to_commit?: string | null;
    },
    facts: CommitFacts[],
    knownPullRequests?: PullRequestInfo[],
  ): Promise<Omit<ChangeSet, 'rolloutId'>> {
    const { store, config } = this.options;
    const sourceId = corr.source_repository ?? undefined;
    const repo = this.localRepository(sourceId);
    const numbers = [...new Set(facts.flatMap(f => f.pullRequests))].sort(
      (a, b) => a - b,
    );
    const prRows =
      knownPullRequests ??
      (sourceId ? await store.pullRequests(sourceId, numbers) : []).map(p => ({
        number: p.number,
        title: p.title ?? undefined,
        branch: p.branch ?? undefined,
      }));
    const prInfo = new Map(prRows.map(p => [p.number, p]));
    const toCommit = (f: CommitFacts): SourceCommit => ({
      sha: f.sha,
      subject: f.subject,
      authorName: f.authorName,
      authorEmail: f.authorEmail ?? undefined,
      committedAt: f.committedAt,
      url: repo?.commitUrl(f.sha),
      pullRequests: f.pullRequests,
      issueKeys: f.issueKeys,
    });
    const keys: string[] = [];
    const authors: string[] = [];
    for (const f of facts) {
      for (const k of f.issueKeys) if (!keys.includes(k)) keys.push(k);
      for (const a of [f.authorName, ...f.coAuthors])
        if (a && !authors.includes(a)) authors.push(a);
    }
    const pullRequests: PullRequestRef[] = numbers.map(n => ({
      number: n,
      title: prInfo.get(n)?.title,
      branch: prInfo.get(n)?.branch,
      url: repo?.pullRequestUrl(n),
    }));
    const issueKeys: IssueRef[] = keys.map(key => ({
      key,
      url: config.issueUrlTemplate?.replace(
        /\{key\}/g,
        encodeURIComponent(key),
      ),
    }));
    return {
      status: corr.status,
      message: corr.message ?? undefined,
      sourceRepository: sourceId,
      fromCommit: corr.from_commit ?? undefined,
      toCommit: corr.to_commit ?? undefined,
      added: facts.filter(f => f.direction === 'added').map(toCommit),
      removed: facts.filter(f => f.direction === 'removed').map(toCommit),
      pullRequests,
      issueKeys,
      authors,
    };
  }

  private localRepository(id?: string): SourceRepository | undefined {
    if (!id) return undefined;
    const r = this.options.resolver.resolve(id);
    return r.ok ? r.repository : undefined;
  }

  async lookupFeature(q: string): Promise<FeatureLookupResponse> {
    const { store, ledger } = this.options;
    const parsed = parseFeatureQuery(q);
    if ('error' in parsed) throw new InputError(parsed.error);
    let matches: Array<{ source_repository: string; sha: string }>;
    if (parsed.kind === 'commit')
      matches = await store.findCommits(parsed.value);
    else
      matches = await store.findRefs(
        parsed.kind === 'issue' ? 'issue' : 'pr',
        parsed.value,
      );

    const shasBySource = new Map<string, string[]>();
    for (const m of matches) {
      const list = shasBySource.get(m.source_repository) ?? [];
      if (!list.includes(m.sha)) list.push(m.sha);
      shasBySource.set(m.source_repository, list);
    }
    const services = await store.servicesOfSources([...shasBySource.keys()]);
    const pipelines = new Map<
      string,
      {
        definition: PipelineDefinition | null;
        services: Record<string, Record<string, unknown>>;
      } | null
    >();
    for (const id of new Set(services.map(s => s.repository_id))) {
      pipelines.set(id, await ledger.getStoredPipeline(id));
    }
    // The services are independent: their reads run concurrently (a key
    // shared by many services would otherwise cost 3 round trips each).
    const out: FeatureServicePresence[] = await Promise.all(
      services.map(async svc => {
        const source = svc.source_repository!;
        const shas = shasBySource.get(source)!;
        const pipeline = pipelines.get(svc.repository_id) ?? null;
        const [commitRows, refRows, events] = await Promise.all([
          store.sourceCommits(source, shas),
          store.refsOf(source, shas),
          store.membershipEvents({
            repositoryId: svc.repository_id,
            service: svc.service,
            sourceRepository: source,
            shas,
          }),
        ]);
        const refs = groupRefs(refRows);
        const repo = this.localRepository(source);
        const commits: SourceCommit[] = commitRows
          .sort((a, b) => epoch(b.committed_at) - epoch(a.committed_at))
          .map(r => ({
            sha: r.sha,
            subject: r.subject,
            authorName: r.author_name,
            authorEmail: r.author_email ?? undefined,
            committedAt: toIso(r.committed_at) ?? '',
            url: repo?.commitUrl(r.sha),
            pullRequests: refs.get(r.sha)?.prs ?? [],
            issueKeys: refs.get(r.sha)?.issues ?? [],
          }));
        const definition = pipeline?.definition ?? null;
        const listed = pipeline?.services?.[svc.service];
        const envNames = definition
          ? definition.environments
              .map(e => e.name)
              .filter(e => !listed || e in listed)
          : [...new Set(events.map(e => e.environment))].sort();
        const presence = envNames.map(env =>
          presenceIn(
            env,
            shas,
            events.filter(e => e.environment === env),
          ),
        );
        return {
          repositoryId: svc.repository_id,
          service: svc.service,
          commits,
          environments: presence.map(p => p.presence),
          dwell: dwellTimes(
            definition,
            new Map(
              presence.map(p => [p.presence.environment, p.firstArrival]),
            ),
          ),
        };
      }),
    );
    return { query: q.trim(), kind: parsed.kind, services: out };
  }

  /**
   * What a bare number (`1543`) could mean: issue keys with that number
   * (`SAAS-1543`) and pull request `#1543`, with the services whose source
   * repositories carry them.
   */
  async featureCandidates(
    n: string,
  ): Promise<Array<{ query: string; repositoryId: string; service: string }>> {
    const { store } = this.options;
    const refs = await store.refsNumbered(n, 200);
    const services = await store.servicesOfSources([
      ...new Set(refs.map(r => r.source_repository)),
    ]);
    const out: Array<{ query: string; repositoryId: string; service: string }> =
      [];
    for (const r of refs) {
      for (const s of services.filter(
        x => x.source_repository === r.source_repository,
      )) {
        out.push({
          query: r.kind === 'pr' ? `#${r.value}` : r.value,
          repositoryId: s.repository_id,
          service: s.service,
        });
      }
    }
    return out;
  }

  async getPendingChanges(
    entity: Entity,
    from: string,
    to: string,
  ): Promise<PendingChangesResponse> {
    const { gitops, ledger, store, resolver, correlator } = this.options;
    const { repo, service } = gitops.resolveEntity(entity);
    const states = new Map(
      (await ledger.getDesiredStates(repo.id, service)).map(s => [
        s.environment,
        s,
      ]),
    );
    for (const env of [from, to]) {
      if (!states.has(env)) {
        throw new NotFoundError(
          `service "${service}" has no environment "${env}" in GitOps repository "${repo.id}"`,
        );
      }
    }
    const fromVersion = states.get(from)!.version ?? undefined;
    const toVersion = states.get(to)!.version ?? undefined;
    const sourceId = sourceRepositoryIdOf(entity);
    const base = { from, to, fromVersion, toVersion };
    const empty = {
      added: [],
      removed: [],
      pullRequests: [],
      issueKeys: [],
      authors: [],
    };
    if (!fromVersion) {
      return {
        ...base,
        changeSet: {
          status: 'unmapped',
          message: `environment ${from} has no version`,
          ...empty,
        },
      };
    }
    const source = resolver.resolve(sourceId);
    if (!source.ok) {
      return {
        ...base,
        changeSet: {
          status: 'no-source',
          message: source.message,
          sourceRepository: sourceId,
          ...empty,
        },
      };
    }
    const known = async (version: string) =>
      (await store.commitOfVersion(repo.id, service, version)) ??
      (await store.trailerShaFor(repo.id, service, version));
    // What `from` has that `to` lacks: compare as if `to` were promoted to `from`'s version.
    const outcome = await correlator.compareVersions({
      repositoryId: repo.id,
      service,
      repo: source.repository,
      from: toVersion
        ? { version: toVersion, trailerSha: await known(toVersion) }
        : undefined,
      to: { version: fromVersion, trailerSha: await known(fromVersion) },
    });
    if (outcome.status !== 'resolved') {
      return {
        ...base,
        changeSet: {
          status: outcome.status,
          message: outcome.message,
          sourceRepository: source.repository.id,
          ...empty,
        },
      };
    }
    const facts: CommitFacts[] = outcome.commits.map(c => ({
      sha: c.sha,
      subject: c.subject,
      authorName: c.authorName,
      authorEmail: c.authorEmail || null,
      committedAt: c.committedAt,
      coAuthors: c.coAuthors,
      pullRequests: c.pullRequests,
      issueKeys: c.issueKeys,
      // Without a version in `to`, everything up to `from`'s is pending.
      direction: c.direction === 'baseline' ? 'added' : c.direction,
    }));
    const changeSet = await this.buildChangeSet(
      {
        status: 'resolved',
        message: toVersion
          ? undefined
          : `environment ${to} has no version yet: everything up to ${fromVersion} is pending`,
        source_repository: source.repository.id,
        from_commit: outcome.fromCommit,
        to_commit: outcome.toCommit,
      },
      facts,
      outcome.pullRequests,
    );
    return { ...base, changeSet };
  }
}

function groupRefs(
  refs: FeatureRefRow[],
): Map<string, { prs: number[]; issues: string[] }> {
  const map = new Map<string, { prs: number[]; issues: string[] }>();
  for (const r of refs) {
    const entry = map.get(r.sha) ?? { prs: [], issues: [] };
    if (r.kind === 'pr') entry.prs.push(Number(r.value));
    else entry.issues.push(r.value);
    map.set(r.sha, entry);
  }
  for (const e of map.values()) {
    e.prs.sort((a, b) => a - b);
    e.issues.sort();
  }
  return map;
}

/**
 * Replays, in ledger order, the rollouts of one environment that added,
 * removed or baselined the feature's commits. The feature is present when
 * all its commits are; `since` is when the last of them arrived in the
 * current (or last) presence; a later rollout that took one away removed it.
 */
function presenceIn(
  environment: string,
  shas: string[],
  events: Array<{
    rollout_id: number | string;
    direction: Direction;
    sha: string;
    kind: string;
    desired_at: Date | string | number;
  }>,
): { presence: FeatureEnvironmentPresence; firstArrival?: number } {
  const byRollout = new Map<string, typeof events>();
  for (const e of events) {
    const k = String(e.rollout_id);
    byRollout.set(k, [...(byRollout.get(k) ?? []), e]);
  }
  const order = [...byRollout.keys()].sort((a, b) => Number(a) - Number(b));
  const has = new Set<string>();
  let complete = false;
  let firstArrival: number | undefined;
  let run: { since: number; rolloutId: string } | undefined;
  let removal: { at: number; rolloutId: string; kind: string } | undefined;
  for (const id of order) {
    const group = byRollout.get(id)!;
    for (const e of group) {
      if (e.direction === 'removed') has.delete(e.sha);
      else has.add(e.sha);
    }
    const now = shas.every(s => has.has(s));
    const at = epoch(group[0].desired_at);
    if (now && !complete) {
      run = { since: at, rolloutId: id };
      removal = undefined;
      firstArrival ??= at;
    } else if (!now && complete) {
      removal = { at, rolloutId: id, kind: group[0].kind };
    }
    complete = now;
  }
  const presence: FeatureEnvironmentPresence = {
    environment,
    present: complete,
  };
  if (run) {
    presence.since = new Date(run.since).toISOString();
    presence.rolloutId = run.rolloutId;
  }
  if (!complete && removal) {
    presence.removedAt = new Date(removal.at).toISOString();
    presence.removedByRolloutId = removal.rolloutId;
    presence.removedByKind = removal.kind;
  }
  return { presence, firstArrival };
}

/** Seconds between the first arrival in each stage and in the next one. */
function dwellTimes(
  definition: PipelineDefinition | null,
  arrivals: Map<string, number | undefined>,
): FeatureServicePresence['dwell'] {
  if (!definition) return [];
  const dwell: FeatureServicePresence['dwell'] = [];
  for (let i = 0; i + 1 < definition.stages.length; i++) {
    for (const a of definition.stages[i].environments) {
      for (const b of definition.stages[i + 1].environments) {
        const ta = arrivals.get(a);
        const tb = arrivals.get(b);
        if (ta !== undefined && tb !== undefined && tb >= ta) {
          dwell.push({ from: a, to: b, seconds: Math.round((tb - ta) / 1000) });
        }
      }
    }
  }
  return dwell;
}
