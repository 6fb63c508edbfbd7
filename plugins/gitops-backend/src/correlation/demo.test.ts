import { mockServices, TestDatabases } from '@backstage/backend-test-utils';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { readGitopsConfig } from '../config';
import { LedgerStore } from '../database/LedgerStore';
import { LocalGitSource } from '../git/LocalGitSource';
import { importPortalCommits } from '../ingestion/importPortalCommits';
import { RepositoryIngester } from '../ingestion/RepositoryIngester';
import { createDefaultStepRegistry } from '../steps';
import { createDefaultLocatorRegistry } from '../locators/VersionLocatorRegistry';
import { CorrelationService } from '../service/CorrelationService';
import { GitopsService } from '../service/GitopsService';
import { Correlator } from './Correlator';
import { SourceRepositoryResolver } from './sourceRepositories';
import { ConfigReader } from '@backstage/config';

jest.setTimeout(120_000);

const databases = TestDatabases.create({ ids: ['SQLITE_3', 'POSTGRES_15'] });
const ROOT = path.resolve(__dirname, '../../../..');
const SERVICES = ['guestbook-ui', 'guestbook-api', 'guestbook-worker'];

/**
 * The embedded demo (scripts/demo), generated into a temp dir, ingested and
 * correlated: SAAS-1543 must be where demo-summary.json says.
 */
describe.each(databases.eachSupportedId())(
  'the demo correlated on %p',
  databaseId => {
    let dir: string;
    let summary: any;

    beforeAll(() => {
      dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gitops-demo-'));
      fs.rmSync(dir, { recursive: true });
      execFileSync(
        process.execPath,
        [path.join(ROOT, 'scripts/demo/create-demo.mjs'), '--dir', dir],
        {
          encoding: 'utf8',
        },
      );
      summary = JSON.parse(
        fs.readFileSync(path.join(dir, 'demo-summary.json'), 'utf8'),
      );
    });
    afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

    async function setup() {
      const knex = await databases.init(databaseId);
      const ledger = await LedgerStore.fromKnex(knex);
      const logger = mockServices.logger.mock();
      // As the demo backend does at startup (app-config.yaml portalCommitsFile).
      await importPortalCommits({
        store: ledger,
        repositoryId: 'demo',
        file: path.join(dir, 'portal-commits.json'),
        logger,
      });
      await new RepositoryIngester({
        repositoryId: 'demo',
        pipelineFile: 'gitops-pipeline.yaml',
        source: new LocalGitSource(path.join(dir, 'gitops'), 'main'),
        store: ledger,
        locators: createDefaultLocatorRegistry(),
        // The demo pipeline has deployment steps: the built-in step types.
        stepTypes: createDefaultStepRegistry(),
        logger,
      }).ingest();
      const config = readGitopsConfig(
        new ConfigReader({
          gitops: {
            repositories: [
              { id: 'demo', provider: 'local', url: path.join(dir, 'gitops') },
            ],
            sourceRoots: [
              {
                id: 'demo',
                provider: 'local',
                path: path.join(dir, 'sources'),
                commitUrlTemplate:
                  'https://git.acme.example/{repo}/commit/{sha}',
                pullRequestUrlTemplate:
                  'https://git.acme.example/{repo}/pull/{number}',
              },
            ],
            correlation: {
              issueUrlTemplate: 'https://jira.acme.example/browse/{key}',
            },
          },
        }),
      );
      const store = ledger.correlationStore();
      const resolver = new SourceRepositoryResolver(config.sourceRoots);
      const correlator = new Correlator({
        store,
        config: config.correlation,
        resolver,
        logger,
        loadServiceSources: async () =>
          SERVICES.map(s => ({
            repository_id: 'demo',
            service: s,
            source_repository: `demo:${s}`,
            entity_ref: `component:default/${s}`,
          })),
      });
      const gitops = new GitopsService(ledger, config.repositories, new Map());
      const service = new CorrelationService({
        ledger,
        store,
        resolver,
        correlator,
        config: config.correlation,
        gitops,
      });
      return { ledger, store, correlator, service };
    }

    it('classifies every rollout as the generator says, with the Git authors as initiators', async () => {
      const { ledger } = await setup();
      const { rows } = await ledger.listRollouts({
        repositoryId: 'demo',
        limit: 10000,
      });
      const got = rows
        .map(
          r =>
            `${r.commit_sha} ${r.service} ${r.environment} ${r.kind} ${r.author_name}`,
        )
        .sort();
      const expected = summary.rollouts
        .map(
          (r: any) =>
            `${r.gitopsCommit} ${r.service} ${r.environment} ${r.kind} ${r.author}`,
        )
        .sort();
      expect(got).toEqual(expected);
      const rollback = rows.find(
        r => r.commit_sha === summary.rollback.gitopsCommit,
      )!;
      expect(rollback.kind).toBe('rollback');
      // Trusted as a portal commit (portal-commits.json), not by its wording.
      expect(
        await ledger.portalCommitsAmong('demo', [rollback.commit_sha]),
      ).toEqual(new Set([rollback.commit_sha]));
      expect(rollback.initiator).toBe(
        `${rollback.author_name} <${rollback.author_email}>`,
      );
    });

    it('resolves every rollout and puts SAAS-1543 where the summary says', async () => {
      const { ledger, store, correlator, service } = await setup();
      const run = await correlator.run();
      expect(run.rollouts).toBe(summary.counts.rollouts);
      expect(run.byStatus).toEqual({ resolved: summary.counts.rollouts });

      const res = await service.lookupFeature('saas-1543');
      expect(res.kind).toBe('issue');
      expect(res.services.map(s => s.service)).toEqual(['guestbook-ui']);
      const ui = res.services[0];
      const expected = summary.issues['SAAS-1543'];
      // The four commits of the summary (the branch's third commit carries the
      // key through its pull request's branch name).
      expect(ui.commits.map(c => c.sha)).toEqual(
        expect.arrayContaining(expected.commits.map((c: any) => c.sha)),
      );
      const byEnv = Object.fromEntries(
        ui.environments.map(e => [e.environment, e]),
      );
      expect(Object.keys(byEnv)).toEqual([
        'dev',
        'qa',
        'staging',
        'prod-us',
        'prod-eu',
      ]);
      for (const env of ['dev', 'qa', 'staging', 'prod-us']) {
        expect(byEnv[env]).toMatchObject({
          present: true,
          since: new Date(expected.environments[env].deployedAt).toISOString(),
        });
      }
      const eu = expected.environments['prod-eu'];
      expect(byEnv['prod-eu']).toMatchObject({
        present: false,
        since: new Date(eu.deployedAt).toISOString(),
        removedAt: new Date(eu.removedAt).toISOString(),
        removedByKind: 'rollback',
      });
      const rollback = await ledger.getRollout(
        byEnv['prod-eu'].removedByRolloutId!,
      );
      expect(rollback?.commit_sha).toBe(eu.removedBy);

      // Dwell: arrival in staging → arrival in prod-us.
      const staging = Date.parse(expected.environments.staging.deployedAt);
      const prodUs = Date.parse(expected.environments['prod-us'].deployedAt);
      expect(ui.dwell).toContainEqual({
        from: 'staging',
        to: 'prod-us',
        seconds: (prodUs - staging) / 1000,
      });
      expect(ui.dwell.map(d => `${d.from}→${d.to}`)).toEqual([
        'dev→qa',
        'qa→staging',
        'staging→prod-us',
        'staging→prod-eu',
      ]);

      // The rollback's change set lists what it removed.
      const cs = await service.getChangeSet(
        byEnv['prod-eu'].removedByRolloutId!,
      );
      expect(cs.status).toBe('resolved');
      expect(cs.added).toEqual([]);
      expect(cs.removed.map(c => c.sha)).toEqual(
        expect.arrayContaining(expected.commits.map((c: any) => c.sha)),
      );
      expect(cs.issueKeys).toContainEqual({
        key: 'SAAS-1543',
        url: 'https://jira.acme.example/browse/SAAS-1543',
      });
      expect(cs.pullRequests.map(p => p.number)).toEqual(
        expect.arrayContaining([150, 151]),
      );
      expect(cs.pullRequests.find(p => p.number === 150)).toMatchObject({
        branch: 'acme/SAAS-1543-dark-mode',
        url: 'https://git.acme.example/guestbook-ui/pull/150',
      });

      // The key only in a branch name (#120) reaches the merge and its branch commits.
      const kob = summary.keyOnlyInBranchName;
      const k = await service.lookupFeature(kob.issue);
      expect(k.services[0].commits.map(c => c.sha).sort()).toEqual(
        [kob.mergeCommit, ...kob.branchCommits].sort(),
      );
      const pr = await service.lookupFeature('#120');
      expect(pr.kind).toBe('pull-request');
      expect(pr.services[0].commits.map(c => c.sha).sort()).toEqual(
        [kob.mergeCommit, ...kob.branchCommits].sort(),
      );

      // Idempotent: a second run processes nothing and adds no row.
      const before = await store.counts();
      const again = await correlator.run();
      expect(again.rollouts).toBe(0);
      expect(await store.counts()).toEqual(before);
    });
  },
);
