import { posix } from 'node:path';
import { ConflictError } from '@backstage/errors';
import type { ParsedPipeline, ServiceEnvironmentSpec } from '../pipeline/types';
import type { PromotionRepository } from '../promotion/types';
import { assertUnreferenced } from './manifestReferences';

/** More commits than this on a change's branch is not a change the portal planned. */
const MAX_COMMITS = 50;

type Specs = Map<string, ServiceEnvironmentSpec>;

function specsOf(p: ParsedPipeline): Specs {
  const out: Specs = new Map();
  for (const [service, entries] of Object.entries(p.services))
    for (const [env, entry] of Object.entries(entries))
      if (!('error' in entry)) out.set(`${service}\0${env}`, entry);
  return out;
}

/** An environment's definition, without its position (a new stage moves the later ones). */
function definitionOf(p: ParsedPipeline, env: string): string | undefined {
  const def = p.definition?.environments.find(e => e.name === env);
  if (!def) return undefined;
  const { stageIndex: _position, ...rest } = def;
  return JSON.stringify(rest);
}

/**
 * What an environment change may do, checked on the commits to be merged
 * (never on the branch's name): add environments and services with their
 * manifests, take them away with theirs. It must not change what runs, or
 * the policy of, an environment and service that exist on the branch
 * clusters follow: that is a promotion, with its own gates (approvals,
 * holds, freeze windows). Anything else is refused; nothing is merged.
 */
export async function assertChangeScope(
  repo: PromotionRepository,
  before: ParsedPipeline,
  after: ParsedPipeline,
  main: string,
  head: string,
): Promise<void> {
  const refuse = (why: string) => {
    throw new ConflictError(
      `this is not an environment change: ${why}; nothing was merged (a version change of an existing environment is a promotion)`,
    );
  };
  for (const env of before.definition?.environments ?? []) {
    const now = definitionOf(after, env.name);
    if (now !== undefined && now !== definitionOf(before, env.name))
      refuse(`it changes the definition of environment ${env.name}`);
  }
  // The order of the stages that stay decides who promotes to whom.
  const kept = (p: ParsedPipeline, other: ParsedPipeline) =>
    (p.definition?.stages ?? [])
      .map(st => st.name)
      .filter(n => other.definition?.stages.some(o => o.name === n));
  if (kept(before, after).join('\0') !== kept(after, before).join('\0'))
    refuse('it re-orders the stages of the pipeline');
  const was = specsOf(before);
  const is = specsOf(after);
  for (const [key, spec] of was) {
    const now = is.get(key);
    if (now && JSON.stringify(now) !== JSON.stringify(spec))
      refuse(`it changes the entry of ${spec.service} in ${spec.environment}`);
  }
  const keptSpecs = [...was].filter(([k]) => is.has(k)).map(([, s]) => s);
  const existingDirs = new Set(keptSpecs.map(s => posix.dirname(s.path)));
  const existingPaths = new Set(
    [...was].filter(([k]) => is.has(k)).map(([, s]) => s.path),
  );
  const newPairs = [...is].filter(([k]) => !was.has(k)).map(([, s]) => s);
  const gonePaths = new Set(
    [...was].filter(([k]) => !is.has(k)).map(([, s]) => s.path),
  );
  const commits = await repo.source.listCommits({
    since: main,
    until: head,
    limit: MAX_COMMITS + 1,
  });
  if (commits.length > MAX_COMMITS)
    refuse(`its branch has more than ${MAX_COMMITS} commits`);
  if (commits.some(c => !c.changedFiles))
    refuse('the files its commits change cannot be read');
  const changed = [
    ...new Set(commits.flatMap(c => c.changedFiles ?? [])),
  ].filter(f => f !== repo.pipelineFile);
  if (!changed.length) return;
  const [atMain, atHead] = [
    await repo.source.readFiles(changed.map(path => ({ sha: main, path }))),
    await repo.source.readFiles(changed.map(path => ({ sha: head, path }))),
  ];
  changed.forEach((path, i) => {
    if (existingPaths.has(path))
      refuse(`it changes ${path}, a manifest of an environment that runs`);
    const deleted = atHead[i] === undefined;
    if (deleted) {
      if (!gonePaths.has(path)) refuse(`it deletes ${path}`);
      return;
    }
    const ownManifest = newPairs.some(s => s.path === path);
    const dir = posix.dirname(path);
    const newSibling =
      atMain[i] === undefined &&
      !existingDirs.has(dir) &&
      newPairs.some(s => posix.dirname(s.path) === dir);
    if (!ownManifest && !newSibling)
      refuse(`it writes ${path}, which no environment or service it adds owns`);
  });
  const deleted = changed.filter((_, i) => atHead[i] === undefined);
  if (deleted.length)
    await assertUnreferenced(
      repo,
      keptSpecs,
      head,
      deleted,
      'nothing was merged',
    );
}
