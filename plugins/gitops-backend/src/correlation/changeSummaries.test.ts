import { TestDatabases } from '@backstage/backend-test-utils';
import { LedgerStore } from '../database/LedgerStore';
import { changeSummaries } from './changeSummaries';

const databases = TestDatabases.create({ ids: ['SQLITE_3', 'POSTGRES_15'] });

describe.each(databases.eachSupportedId())(
  'changeSummaries on %p',
  databaseId => {
    it('sums up each rollout of a page in two queries: first issue keys, PR titles and authors, with totals; a rollback lists what it removed', async () => {
      const knex = await databases.init(databaseId);
      await LedgerStore.fromKnex(knex); // migrations
      const src = 'demo:guestbook-ui';
      const commit = (sha: string, author: string) => ({
        source_repository: src,
        sha,
        subject: `commit ${sha}`,
        author_name: author,
        committed_at: new Date('2026-11-20T10:00:00Z'),
      });
      await knex('gitops_source_commits').insert([
        commit('a1', 'Ada Lovelace'),
        commit('a2', 'Grace Hopper'),
        commit('a3', 'Ada Lovelace'),
        commit('a4', 'Linus Torvalds'),
        commit('a5', 'Ken Thompson'),
      ]);
      await knex('gitops_source_pull_requests').insert([
        { source_repository: src, number: 150, title: 'Dark mode' },
        { source_repository: src, number: 151, title: null },
      ]);
      const ref = (kind: string, value: string, sha: string) => ({
        kind,
        value,
        source_repository: src,
        sha,
      });
      await knex('gitops_feature_refs').insert([
        ref('issue', 'SAAS-1', 'a1'),
        ref('issue', 'SAAS-2', 'a2'),
        ref('issue', 'SAAS-3', 'a3'),
        ref('issue', 'SAAS-4', 'a4'),
        ref('issue', 'SAAS-1', 'a4'), // the same key twice counts once
        ref('pr', '150', 'a1'),
        ref('pr', '151', 'a2'),
      ]);
      const member = (
        rollout: number,
        direction: string,
        sha: string,
        position: number,
      ) => ({
        rollout_id: rollout,
        direction,
        source_repository: src,
        sha,
        position,
      });
      await knex('gitops_change_set_commits').insert([
        // Rollout 1 added a1..a5 (a1 newest).
        member(1, 'added', 'a1', 0),
        member(1, 'added', 'a2', 1),
        member(1, 'added', 'a3', 2),
        member(1, 'added', 'a4', 3),
        member(1, 'added', 'a5', 4),
        // Rollout 2, a rollback, removed a1 and a2.
        member(2, 'removed', 'a1', 0),
        member(2, 'removed', 'a2', 1),
        // A baseline is no change.
        member(3, 'baseline', 'a5', 0),
      ]);
      const correlation = (id: number, added: number, removed: number) => ({
        rollout_id: id,
        status: 'resolved',
        source_repository: src,
        added_count: added,
        removed_count: removed,
      });
      await knex('gitops_rollout_correlations').insert([
        correlation(1, 5, 0),
        correlation(2, 0, 2),
        correlation(3, 0, 0),
      ]);

      let queries = 0;
      const count = () => {
        queries++;
      };
      knex.on('query', count);
      const summaries = await changeSummaries(knex, [1, 2, 3, 4]);
      knex.off('query', count);
      expect(queries).toBe(2);

      expect(summaries.get('1')).toEqual({
        status: 'resolved',
        added: {
          commits: 5,
          issueKeys: ['SAAS-1', 'SAAS-2', 'SAAS-3'],
          issueKeyCount: 4,
          pullRequests: [{ number: 150, title: 'Dark mode' }, { number: 151 }],
          pullRequestCount: 2,
          authors: ['Ada Lovelace', 'Grace Hopper', 'Linus Torvalds'],
          authorCount: 4,
        },
        removed: {
          commits: 0,
          issueKeys: [],
          issueKeyCount: 0,
          pullRequests: [],
          pullRequestCount: 0,
          authors: [],
          authorCount: 0,
        },
      });
      expect(summaries.get('2')?.removed).toMatchObject({
        commits: 2,
        issueKeys: ['SAAS-1', 'SAAS-2'],
        pullRequests: [{ number: 150, title: 'Dark mode' }, { number: 151 }],
        authors: ['Ada Lovelace', 'Grace Hopper'],
      });
      expect(summaries.get('2')?.added.commits).toBe(0);
      expect(summaries.get('3')?.added).toMatchObject({
        commits: 0,
        authors: [],
      });
      // Not correlated yet: no summary.
      expect(summaries.has('4')).toBe(false);
      await expect(
        changeSummaries(
          knex,
          Array.from({ length: 501 }, (_, i) => i + 1),
        ),
      ).rejects.toThrow('at most 500 rollouts');
      await knex.destroy();
    });
  },
);
