import {
  mockServices,
  registerMswTestHooks,
} from '@backstage/backend-test-utils';
import { http, HttpResponse } from 'msw';
import { setupServer } from 'msw/node';
import { GitHubGitSource } from './GitHubGitSource';

const SHA_A = 'a'.repeat(40);
const SHA_B = 'b'.repeat(40);

describe('GitHubGitSource.commitAssociations', () => {
  const server = setupServer();
  registerMswTestHooks(server);

  it('asks GraphQL once for the pull requests and CI results of commits, then serves repeats from memory', async () => {
    const queries: string[] = [];
    server.use(
      http.post('https://api.github.com/graphql', async ({ request }) => {
        const body = (await request.json()) as any;
        queries.push(body.query);
        const repository: Record<string, unknown> = {};
        if (body.query.includes(`"${SHA_A}"`)) {
          repository.c0 = {
            associatedPullRequests: {
              nodes: [
                {
                  number: 150,
                  title: 'Dark mode',
                  body: 'SAAS-1543',
                  headRefName: 'acme/SAAS-1543-dark-mode',
                },
              ],
            },
          };
        }
        if (body.query.includes('checks:')) {
          repository.checks = {
            statusCheckRollup: {
              contexts: {
                nodes: [
                  {
                    __typename: 'CheckRun',
                    name: 'unit-tests',
                    status: 'COMPLETED',
                    conclusion: 'SUCCESS',
                  },
                ],
              },
            },
          };
        }
        return HttpResponse.json({ data: { repository } });
      }),
    );
    const source = new GitHubGitSource({
      url: 'https://github.com/acme/guestbook-ui',
      branch: 'main',
      apiBaseUrl: 'https://api.github.com',
      credentialsProvider: {
        getCredentials: async () => ({ type: 'token', token: 'ghp_x' }),
      } as any,
      logger: mockServices.logger.mock(),
      retryAfterBaseMs: 1,
    } as any);

    const first = await source.commitAssociations([SHA_A], SHA_A);
    expect(first?.pullRequests.get(SHA_A)?.[0]).toMatchObject({
      number: 150,
      branch: 'acme/SAAS-1543-dark-mode',
    });
    expect(first?.checks).toMatchObject({ total: 1, passed: 1 });
    expect(queries).toHaveLength(1);

    const again = await source.commitAssociations([SHA_A], SHA_A);
    expect(again?.pullRequests.get(SHA_A)?.[0].number).toBe(150);
    expect(again?.checks).toMatchObject({ total: 1, passed: 1 });
    expect(queries).toHaveLength(1); // served from memory

    // Only the commit not seen before is asked for.
    await source.commitAssociations([SHA_A, SHA_B]);
    expect(queries).toHaveLength(2);
    expect(queries[1]).toContain(SHA_B);
    expect(queries[1]).not.toContain(SHA_A);
  });
});
