import { GitopsLiveClient } from './GitopsLiveClient';

function client(response: () => Response) {
  const fetch = jest.fn(async (_url: string, _init?: RequestInit) =>
    response(),
  );
  const api = new GitopsLiveClient({
    discoveryApi: { getBaseUrl: async () => 'http://backend.test/api/gitops' },
    fetchApi: { fetch: fetch as unknown as typeof globalThis.fetch },
  });
  return { api, fetch };
}

const json = (body: unknown, status = 200) =>
  new Response(JSON.stringify(body), {
    status,
    headers: { 'content-type': 'application/json' },
  });

describe('GitopsLiveClient', () => {
  it('reads the live status of an entity from our backend', async () => {
    const { api, fetch } = client(() =>
      json({ service: 'guestbook-ui', environments: [], clusters: [] }),
    );
    const live = await api.getLive({
      kind: 'Component',
      namespace: 'default',
      name: 'guestbook-ui',
    });
    expect(live.service).toBe('guestbook-ui');
    expect(fetch.mock.calls[0][0]).toBe(
      'http://backend.test/api/gitops/v1/entities/default/component/guestbook-ui/live',
    );
  });

  it('reads the dashboard, of one repository when given', async () => {
    const { api, fetch } = client(() => json({ environments: [], matrix: [] }));
    await api.getDashboard('platform-gitops');
    await api.getDashboard();
    expect(fetch.mock.calls[0][0]).toBe(
      'http://backend.test/api/gitops/v1/dashboard?repository=platform-gitops',
    );
    expect(fetch.mock.calls[1][0]).toBe(
      'http://backend.test/api/gitops/v1/dashboard',
    );
  });

  it("throws a ResponseError with the backend's message", async () => {
    const { api } = client(() =>
      json(
        {
          error: {
            name: 'InputError',
            message: 'several repositories: give ?repository=',
          },
          response: { statusCode: 400 },
        },
        400,
      ),
    );
    await expect(api.getDashboard()).rejects.toMatchObject({
      name: 'ResponseError',
      message: 'several repositories: give ?repository= (400)',
    });
  });

  it('is still a GitopsClient (reads, promotion, metrics)', () => {
    const { api } = client(() => json({}));
    expect(typeof api.getServiceStatus).toBe('function');
    expect(typeof api.promote).toBe('function');
  });
});
