import { mockCredentials, mockServices } from '@backstage/backend-test-utils';
import { createMockActionContext } from '@backstage/plugin-scaffolder-node-test-utils';
import { createGitopsPromoteAction } from './createGitopsPromoteAction';

describe('gitops:promote scaffolder action', () => {
  it('posts the promotion on behalf of the initiator with an idempotency key', async () => {
    const calls: Array<{ url: string; init: any }> = [];
    const action = createGitopsPromoteAction({
      discovery: mockServices.discovery(),
      auth: mockServices.auth(),
      fetch: (async (url: string, init: any) => {
        calls.push({ url, init });
        return new Response(
          JSON.stringify({ id: '7', state: 'awaiting-approval' }),
          { status: 201 },
        );
      }) as any,
    });
    const ctx = createMockActionContext({
      input: {
        entityRef: 'component:default/guestbook-ui',
        sourceEnvironment: 'staging',
        reason: 'release 42',
      },
      getInitiatorCredentials: async () =>
        mockCredentials.user('user:default/alice'),
    });
    await action.handler(ctx as any);
    expect(calls).toHaveLength(1);
    expect(calls[0].url).toMatch(
      /\/api\/gitops\/v1\/entities\/default\/component\/guestbook-ui\/promotions$/,
    );
    expect(calls[0].init.headers['idempotency-key']).toMatch(/^scaffolder-/);
    expect(calls[0].init.headers.authorization).toMatch(/^Bearer /);
    // The audit trail names the door; the permissions are the user's.
    expect(calls[0].init.headers['x-gitops-door']).toBe('scaffolder');
    expect(JSON.parse(calls[0].init.body)).toMatchObject({
      sourceEnvironment: 'staging',
      reason: 'release 42',
    });
    expect(ctx.output).toHaveBeenCalledWith('actionId', '7');
    expect(ctx.output).toHaveBeenCalledWith('state', 'awaiting-approval');
  });

  it('fails with the backend message when the promotion is refused', async () => {
    const action = createGitopsPromoteAction({
      discovery: mockServices.discovery(),
      auth: mockServices.auth(),
      fetch: (async () =>
        new Response(
          JSON.stringify({
            error: {
              name: 'NotAllowedError',
              message: 'gitops.promote denied for prod-us',
            },
            response: { statusCode: 403 },
          }),
          { status: 403, headers: { 'content-type': 'application/json' } },
        )) as any,
    });
    const ctx = createMockActionContext({
      input: {
        entityRef: 'component:default/guestbook-ui',
        sourceEnvironment: 'staging',
      },
      getInitiatorCredentials: async () =>
        mockCredentials.user('user:default/bob'),
    });
    await expect(action.handler(ctx as any)).rejects.toThrow(
      /denied for prod-us/,
    );
  });
});
