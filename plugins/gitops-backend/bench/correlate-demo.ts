/*
 * Correlates the embedded demo (.demo at the repository root, created by
 * `node scripts/demo/create-demo.mjs`) in an in-memory SQLite ledger and
 * prints what the API answers for a feature, e.g. SAAS-1543, with timings.
 *
 *   node --require @backstage/cli/config/nodeTransform.cjs bench/correlate-demo.ts [SAAS-1543] [--dir ../../.demo]
 */
import path from 'node:path';
import knexFactory from 'knex';
import { ConfigReader } from '@backstage/config';
import { readGitopsConfig } from '../src/config';
import { Correlator } from '../src/correlation/Correlator';
import { SourceRepositoryResolver } from '../src/correlation/sourceRepositories';
import { LedgerStore } from '../src/database/LedgerStore';
import { LocalGitSource } from '../src/git/LocalGitSource';
import { RepositoryIngester } from '../src/ingestion/RepositoryIngester';
import { createDefaultStepRegistry } from '../src/steps';
import { createDefaultLocatorRegistry } from '../src/locators/VersionLocatorRegistry';
import { CorrelationService } from '../src/service/CorrelationService';
import { GitopsService } from '../src/service/GitopsService';

const argv = process.argv.slice(2);
const dirAt = argv.indexOf('--dir');
const dir = path.resolve(
  dirAt >= 0 ? argv[dirAt + 1] : path.join(__dirname, '../../../.demo'),
);
const query =
  argv.find((a, i) => !a.startsWith('--') && argv[i - 1] !== '--dir') ??
  'SAAS-1543';

const silentLogger: any = {
  info() {},
  warn(m: string) {
    process.stderr.write(`warn: ${m}\n`);
  },
  error() {},
  debug() {},
  child() {
    return silentLogger;
  },
};

async function main() {
  const knex = knexFactory({
    client: 'better-sqlite3',
    connection: ':memory:',
    useNullAsDefault: true,
  });
  const ledger = await LedgerStore.fromKnex(knex);
  const config = readGitopsConfig(
    new ConfigReader({
      gitops: {
        repositories: [
          { id: 'demo', provider: 'local', url: path.join(dir, 'gitops') },
        ],
        sourceRoots: [
          { id: 'demo', provider: 'local', path: path.join(dir, 'sources') },
        ],
        correlation: {
          issueUrlTemplate: 'https://jira.acme.example/browse/{key}',
        },
      },
    }),
  );
  let t = Date.now();
  await new RepositoryIngester({
    repositoryId: 'demo',
    pipelineFile: 'gitops-pipeline.yaml',
    source: new LocalGitSource(path.join(dir, 'gitops'), 'main'),
    store: ledger,
    locators: createDefaultLocatorRegistry(),
    // The demo pipeline has deployment steps: the built-in step types.
    stepTypes: createDefaultStepRegistry(),
    logger: silentLogger,
  }).ingest();
  const ingestMs = Date.now() - t;
  const store = ledger.correlationStore();
  const resolver = new SourceRepositoryResolver(config.sourceRoots);
  const correlator = new Correlator({
    store,
    config: config.correlation,
    resolver,
    logger: silentLogger,
    loadServiceSources: async () =>
      ['guestbook-ui', 'guestbook-api', 'guestbook-worker'].map(s => ({
        repository_id: 'demo',
        service: s,
        source_repository: `demo:${s}`,
        entity_ref: `component:default/${s}`,
      })),
  });
  t = Date.now();
  const run = await correlator.run();
  const correlateMs = Date.now() - t;
  const service = new CorrelationService({
    ledger,
    store,
    resolver,
    correlator,
    config: config.correlation,
    gitops: new GitopsService(ledger, config.repositories, new Map()),
  });
  t = Date.now();
  const feature = await service.lookupFeature(query);
  const lookupMs = Date.now() - t;
  const removedBy = feature.services
    .flatMap(s => s.environments)
    .find(e => e.removedByRolloutId);
  const changeSet = removedBy
    ? await service.getChangeSet(removedBy.removedByRolloutId!)
    : undefined;
  process.stdout.write(
    `${JSON.stringify(
      {
        timings: { ingestMs, correlateMs, lookupMs },
        run,
        rows: await store.counts(),
        [`GET /v1/features?q=${query}`]: feature,
        ...(changeSet
          ? {
              [`GET /v1/rollouts/${changeSet.rolloutId}/change-set`]: changeSet,
            }
          : {}),
      },
      null,
      2,
    )}\n`,
  );
  await knex.destroy();
}

main().catch(e => {
  process.stderr.write(`${e instanceof Error ? e.stack : e}\n`);
  process.exit(1);
});
