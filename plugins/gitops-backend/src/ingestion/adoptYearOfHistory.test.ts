import { mockServices, TestDatabases } from '@backstage/backend-test-utils';
import { ConfigReader } from '@backstage/config';
import type { Rollout } from '@gitops2/plugin-gitops-common';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { readGitopsConfig } from '../config';
import { Correlator } from '../correlation/Correlator';
import { SourceRepositoryResolver } from '../correlation/sourceRepositories';
import { LedgerStore } from '../database/LedgerStore';
import { LocalGitSource } from '../git/LocalGitSource';
import { createDefaultLocatorRegistry } from '../locators/VersionLocatorRegistry';
import { CorrelationService } from '../service/CorrelationService';
import { GitopsService } from '../service/GitopsService';
import {
  GeneratedHistory,
  generateHistory,
  VersionChange,
  YEAR_ENVIRONMENTS,
  yearPipeline,
} from '../testing/generateHistory';
import { parse as parseYaml } from 'yaml';
import {
  externalPipelineOf,
  validateInlinePipelines,
} from '../pipeline/pipelineLocation';
import { GitRepoFixture } from '../testing/GitRepoFixture';
import { RepositoryIngester } from './RepositoryIngester';

jest.setTimeout(180_000);

const databases = TestDatabases.create({ ids: ['SQLITE_3', 'POSTGRES_15'] });

const SERVICES = ['cart', 'checkout', 'search'];
const RELEASES = 26; // one every 14 days: a year
const START = Date.parse('2025-12-01T09:00:00Z');

/** What the ledger must say about one version change. */
function expectedRollouts(changes: VersionChange[]) {
  const current = new Map<string, string>();
  const key = (s: string, e: string) => `${s}/${e}`;
  return changes.map(c => {
    const from = current.get(key(c.service, c.environment)) ?? null;
    const stage = YEAR_ENVIRONMENTS.indexOf(c.environment);
    let kind = 'direct';
    if (from === null) kind = 'initial';
    else if (
      stage > 0 &&
      current.get(key(c.service, YEAR_ENVIRONMENTS[stage - 1])) === c.version
    )
      kind = 'promotion';
    current.set(key(c.service, c.environment), c.version);
    return {
      service: c.service,
      environment: c.environment,
      fromVersion: from,
      toVersion: c.version,
      kind,
      sha: c.sha,
      authorName: c.author.name,
      desiredAt: new Date(c.at).toISOString(),
    };
  });
}

describe.each(databases.eachSupportedId())(
  'Adopting a repository with a year of history on %p',
  databaseId => {
    let tmp: string;
    let history: GeneratedHistory;
    let gitopsDir: string;
    let sourcesDir: string;

    beforeAll(() => {
      tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'gitops-year-'));
      gitopsDir = path.join(tmp, 'gitops');
      sourcesDir = path.join(tmp, 'sources');
      history = generateHistory({
        gitopsDir,
        sourcesDir,
        services: SERVICES,
        releases: RELEASES,
        start: START,
        pipeline: {
          file: 'gitops-pipeline.yaml',
          content: yearPipeline(SERVICES),
        },
      });
    });
    afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

    async function setup() {
      const knex = await databases.init(databaseId);
      const ledger = await LedgerStore.fromKnex(knex);
      const logger = mockServices.logger.mock();
      const config = readGitopsConfig(
        new ConfigReader({
          gitops: {
            repositories: [{ id: 'shop', provider: 'local', url: gitopsDir }],
            sourceRoots: [{ id: 'src', provider: 'local', path: sourcesDir }],
          },
        }),
      );
      const ingester = new RepositoryIngester({
        repositoryId: 'shop',
        pipelineFile: 'gitops-pipeline.yaml',
        source: new LocalGitSource(gitopsDir, 'main'),
        store: ledger,
        locators: createDefaultLocatorRegistry(),
        logger,
        batchSize: 100,
      });
      const gitops = new GitopsService(ledger, config.repositories, new Map());
      const store = ledger.correlationStore();
      const resolver = new SourceRepositoryResolver(config.sourceRoots);
      const correlator = new Correlator({
        store,
        config: config.correlation,
        resolver,
        logger,
        // One service's source is enough for the feature tracker (and
        // keeps the correlation of its 104 rollouts fast).
        loadServiceSources: async () =>
          ['checkout'].map(service => ({
            repository_id: 'shop',
            service,
            source_repository: `src:${service}`,
            entity_ref: `component:default/${service}`,
          })),
      });
      const features = new CorrelationService({
        ledger,
        store,
        resolver,
        correlator,
        config: config.correlation,
        gitops,
      });
      /** Every rollout of a service through the history API, oldest first. */
      const historyOf = async (service: string) => {
        const items: Rollout[] = [];
        let before: string | undefined;
        for (;;) {
          const page = await gitops.listRollouts({
            repository: 'shop',
            service,
            limit: 50,
            before,
          });
          items.push(...page.items);
          if (!page.nextCursor) break;
          before = page.nextCursor;
        }
        return items.reverse();
      };
      return { ingester, ledger, correlator, features, historyOf };
    }

    it('records every version change of the year as a rollout with its own commit, date and author; the first of each environment is initial', async () => {
      const { ingester, ledger, historyOf } = await setup();
      const started = Date.now();
      const result = await ingester.ingest();
      const seconds = (Date.now() - started) / 1000;
      // eslint-disable-next-line no-console
      console.log(
        `ingested ${result.commits} commits, ${result.rolloutsInserted} rollouts in ${seconds}s on ${databaseId}`,
      );
      expect(history.changes.length).toBe(
        SERVICES.length * RELEASES * YEAR_ENVIRONMENTS.length,
      );
      expect(result.rolloutsInserted).toBe(history.changes.length);
      expect(new Set(history.changes.map(c => c.author.name)).size).toBe(8);

      const { changes, pipelineCommit } = history;
      for (const service of SERVICES) {
        const items = await historyOf(service);
        expect(
          items.map(r => ({
            service: r.service,
            environment: r.environment,
            fromVersion: r.fromVersion,
            toVersion: r.toVersion,
            kind: r.kind,
            sha: r.commit.sha,
            authorName: r.commit.authorName,
            desiredAt: r.desiredAt,
          })),
        ).toEqual(expectedRollouts(changes.filter(c => c.service === service)));
        // One initial per environment, each at the service's first commit
        // there, none at the commit that added the pipeline.
        expect(items.filter(r => r.kind === 'initial')).toHaveLength(4);
        expect(items.some(r => r.commit.sha === pipelineCommit!.sha)).toBe(
          false,
        );
      }

      // The tab's current versions are the last of the year.
      const states = await ledger.getDesiredStates('shop', 'cart');
      const last = history.changes.filter(c => c.service === 'cart').slice(-4);
      expect(
        Object.fromEntries(states.map(s => [s.environment, s.version])),
      ).toEqual(Object.fromEntries(last.map(c => [c.environment, c.version])));

      // A second run adds no duplicates.
      expect((await ingester.ingest()).rolloutsInserted).toBe(0);
      expect(await ledger.countRollouts('shop')).toBe(history.changes.length);
    });

    it("answers how long a feature stayed in each stage from the year's history", async () => {
      const { ingester, correlator, features } = await setup();
      await ingester.ingest();
      await correlator.run();
      const { changes, issueKey } = history;
      for (const [service, release] of [
        ['checkout', 2],
        ['checkout', 14],
        ['checkout', 25],
      ] as const) {
        const res = await features.lookupFeature(issueKey(service, release));
        expect(res.services.map(s => s.service)).toEqual([service]);
        const at = (env: string) =>
          changes.find(
            c =>
              c.service === service &&
              c.environment === env &&
              c.release === release,
          )!.at;
        expect(res.services[0].dwell).toEqual([
          { from: 'dev', to: 'qa', seconds: (at('qa') - at('dev')) / 1000 },
          {
            from: 'qa',
            to: 'staging',
            seconds: (at('staging') - at('qa')) / 1000,
          },
          {
            from: 'staging',
            to: 'prod',
            seconds: (at('prod') - at('staging')) / 1000,
          },
        ]);
        // Each a day or more: the history, not the day of adoption.
        for (const d of res.services[0].dwell)
          expect(d.seconds).toBeGreaterThanOrEqual(86_400);
      }
    });
  },
);

describe.each(databases.eachSupportedId())(
  'A year of history read with a pipeline in app-config on %p',
  databaseId => {
    let tmp: string;
    let history: GeneratedHistory;
    let gitopsDir: string;
    let pipelinesDir: string;

    beforeAll(() => {
      tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'gitops-year-config-'));
      gitopsDir = path.join(tmp, 'gitops');
      // No pipeline file in the GitOps repository at all.
      history = generateHistory({
        gitopsDir,
        sourcesDir: path.join(tmp, 'sources'),
        services: SERVICES,
        releases: RELEASES,
        start: START,
      });
      // A team's pipelines kept in another repository.
      pipelinesDir = path.join(tmp, 'pipelines');
      const pipelines = new GitRepoFixture('gitops-pipelines-');
      pipelines.write('teams/shop.yaml', yearPipeline(SERVICES));
      pipelines.commit('the shop pipeline');
      fs.renameSync(pipelines.dir, pipelinesDir);
    });
    afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

    async function ingestWith(repository: Record<string, unknown>) {
      const knex = await databases.init(databaseId);
      const ledger = await LedgerStore.fromKnex(knex);
      const config = readGitopsConfig(
        new ConfigReader({
          gitops: {
            repositories: [
              { id: 'shop', provider: 'local', url: gitopsDir, ...repository },
            ],
          },
        }),
      );
      const [repo] = config.repositories;
      const locators = createDefaultLocatorRegistry();
      validateInlinePipelines(config.repositories, locators);
      const ingester = new RepositoryIngester({
        repositoryId: 'shop',
        pipelineFile: repo.pipelineFile,
        source: new LocalGitSource(gitopsDir, 'main'),
        store: ledger,
        locators,
        logger: mockServices.logger.mock(),
        batchSize: 100,
        externalPipeline: externalPipelineOf(repo, from =>
          LocalGitSource.fromUrl(from.url, from.branch),
        ),
      });
      return { ledger, ingester, knex };
    }

    const expectWholeYear = async (ledger: LedgerStore) => {
      const { rows } = await ledger.listRollouts({
        repositoryId: 'shop',
        limit: 10_000,
      });
      const got = rows.reverse().map(r => ({
        service: r.service,
        environment: r.environment,
        fromVersion: r.from_version,
        toVersion: r.to_version,
        kind: r.kind,
        sha: r.commit_sha,
        authorName: r.author_name,
        desiredAt: new Date(r.desired_at as any).toISOString(),
      }));
      for (const service of SERVICES) {
        expect(got.filter(r => r.service === service)).toEqual(
          expectedRollouts(history.changes.filter(c => c.service === service)),
        );
      }
      expect(got).toHaveLength(history.changes.length);
    };

    it('reads the whole history with a pipeline written inline in app-config', async () => {
      const { ledger, ingester } = await ingestWith({
        pipeline: parseYaml(yearPipeline(SERVICES)),
      });
      expect((await ingester.ingest()).rolloutsInserted).toBe(
        history.changes.length,
      );
      await expectWholeYear(ledger);
      expect((await ingester.ingest()).rolloutsInserted).toBe(0);
      const repo = await ledger.getRepository('shop');
      expect(repo?.pipeline_error).toBeNull();
      expect(
        (await ledger.getStoredPipeline('shop'))?.definition?.stages,
      ).toHaveLength(4);
    });

    it('reads the whole history with a pipeline file of another repository (pipelineFrom)', async () => {
      const { ledger, ingester } = await ingestWith({
        pipelineFrom: {
          provider: 'local',
          url: pipelinesDir,
          path: 'teams/shop.yaml',
        },
      });
      await ingester.ingest();
      await expectWholeYear(ledger);
    });

    it('does not move past any commit while the pipelineFrom file cannot be read, and says why', async () => {
      const { ledger, ingester } = await ingestWith({
        pipelineFrom: {
          provider: 'local',
          url: pipelinesDir,
          path: 'teams/missing.yaml',
        },
      });
      await expect(ingester.ingest()).rejects.toThrow(
        'the pipeline teams/missing.yaml of a local repository (main) cannot be read',
      );
      expect((await ledger.getRepository('shop'))?.last_commit_sha).toBeNull();
      expect(await ledger.countRollouts('shop')).toBe(0);
    });
  },
);
