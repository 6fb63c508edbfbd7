import { mockCredentials, mockServices } from '@backstage/backend-test-utils';
import { createMockActionContext } from '@backstage/plugin-scaffolder-node-test-utils';
import { createGitopsEnvironmentCreateAction } from './createGitopsEnvironmentCreateAction';
import { createGitopsEnvironmentRetireAction } from './createGitopsEnvironmentRetireAction';
import { createGitopsServiceAddAction } from './createGitopsServiceAddAction';

const input = {
  repositoryId: 'demo',
  name: 'perf',
  placement: { kind: 'after-stage' as const, after: 'staging' },
  sourceEnvironment: 'staging',
  cluster: 'staging-cluster',
  namespace: 'guestbook-perf',
};

const change = (dryRun: boolean) => ({
  repositoryId: 'demo',
  environment: 'perf',
  baseSha: 'a'.repeat(40),
  mode: 'pull-request',
  services: [],
  dryRun,
  files: [
    { path: 'gitops-pipeline.yaml', purpose: 'pipeline', diff: '+  perf:' },
  ],
  ...(dryRun
    ? {}
    : {
        branch: 'gitops/environment-perf',
        pullRequestUrl: 'https://github.com/acme/gitops/pull/7',
      }),
});

function actionWith(calls: Array<{ url: string; init: any }>) {
  return createGitopsEnvironmentCreateAction({
    discovery: mockServices.discovery(),
    auth: mockServices.auth(),
    fetch: (async (url: string, init: any) => {
      calls.push({ url, init });
      return new Response(JSON.stringify(change(/preview$/.test(url))), {
        status: /preview$/.test(url) ? 200 : 201,
      });
    }) as any,
  });
}

describe('gitops:environment:create scaffolder action', () => {
  it('posts the request on behalf of the initiator and outputs the pull request, files and diff', async () => {
    const calls: Array<{ url: string; init: any }> = [];
    const ctx = createMockActionContext({
      input,
      getInitiatorCredentials: async () =>
        mockCredentials.user('user:default/alice'),
    });
    await actionWith(calls).handler(ctx as any);
    expect(calls).toHaveLength(1);
    expect(calls[0].url).toMatch(
      /\/api\/gitops\/v1\/repositories\/demo\/environments$/,
    );
    expect(calls[0].init.headers['x-gitops-door']).toBe('scaffolder');
    expect(calls[0].init.headers.authorization).toMatch(/^Bearer /);
    expect(JSON.parse(calls[0].init.body)).toEqual({
      name: 'perf',
      placement: { kind: 'after-stage', after: 'staging' },
      sourceEnvironment: 'staging',
      cluster: 'staging-cluster',
      namespace: 'guestbook-perf',
    });
    expect(ctx.output).toHaveBeenCalledWith('environment', 'perf');
    expect(ctx.output).toHaveBeenCalledWith(
      'pullRequestUrl',
      'https://github.com/acme/gitops/pull/7',
    );
    expect(ctx.output).toHaveBeenCalledWith('files', ['gitops-pipeline.yaml']);
    expect(ctx.output).toHaveBeenCalledWith('diff', '+  perf:');
  });

  it("a template's dry run asks for the preview, which writes nothing", async () => {
    const calls: Array<{ url: string; init: any }> = [];
    // The scaffolder sets isDryRun on the context of a template's dry run.
    const ctx = {
      ...createMockActionContext({
        input,
        getInitiatorCredentials: async () =>
          mockCredentials.user('user:default/alice'),
      }),
      isDryRun: true,
    };
    await actionWith(calls).handler(ctx as any);
    expect(calls[0].url).toMatch(/\/environments\/preview$/);
    expect(ctx.output).not.toHaveBeenCalledWith(
      'pullRequestUrl',
      expect.anything(),
    );
    expect(ctx.output).toHaveBeenCalledWith('diff', '+  perf:');
  });

  it('fails with the backend message when the environment is refused', async () => {
    const action = createGitopsEnvironmentCreateAction({
      discovery: mockServices.discovery(),
      auth: mockServices.auth(),
      fetch: (async () =>
        new Response(
          JSON.stringify({
            error: {
              name: 'NotAllowedError',
              message: 'gitops.environment.manage denied for perf in demo',
            },
            response: { statusCode: 403 },
          }),
          { status: 403, headers: { 'content-type': 'application/json' } },
        )) as any,
    });
    const ctx = createMockActionContext({
      input,
      getInitiatorCredentials: async () =>
        mockCredentials.user('user:default/bob'),
    });
    await expect(action.handler(ctx as any)).rejects.toThrow(
      /environment perf refused \(403\): gitops\.environment\.manage denied/,
    );
  });
});

describe('gitops:environment:retire scaffolder action', () => {
  it('asks for the preview on a dry run and outputs the files it would delete', async () => {
    const calls: string[] = [];
    const action = createGitopsEnvironmentRetireAction({
      discovery: mockServices.discovery(),
      auth: mockServices.auth(),
      fetch: (async (url: string) => {
        calls.push(url);
        return new Response(
          JSON.stringify({
            environment: 'perf',
            files: [
              { path: 'gitops-pipeline.yaml', diff: '-  perf:' },
              {
                path: 'apps/cart/perf/values.yaml',
                deleted: true,
                diff: '-tag: v1',
              },
            ],
          }),
          { status: 200 },
        );
      }) as any,
    });
    const ctx = {
      ...createMockActionContext({
        input: { repositoryId: 'demo', environment: 'perf' },
      }),
      isDryRun: true,
    };
    await action.handler(ctx as any);
    expect(calls[0]).toMatch(
      /\/v1\/repositories\/demo\/environments\/retire\/preview$/,
    );
    expect(ctx.output).toHaveBeenCalledWith('deletedFiles', [
      'apps/cart/perf/values.yaml',
    ]);
  });
});

describe('gitops:service:add scaffolder action', () => {
  it('posts the onboarding and outputs the annotations the catalog entity needs', async () => {
    const calls: Array<{ url: string; init: any }> = [];
    const action = createGitopsServiceAddAction({
      discovery: mockServices.discovery(),
      auth: mockServices.auth(),
      fetch: (async (url: string, init: any) => {
        calls.push({ url, init });
        return new Response(
          JSON.stringify({
            branch: 'gitops/service-search',
            files: [{ path: 'gitops-pipeline.yaml', diff: '+    search:' }],
          }),
          { status: 201 },
        );
      }) as any,
    });
    const ctx = createMockActionContext({
      input: {
        repositoryId: 'demo',
        service: 'search',
        path: 'apps/search/{environment}/values.yaml',
        locator: { type: 'helm-values', options: { path: 'image.tag' } },
        environments: ['dev'],
      },
    });
    await action.handler(ctx as any);
    expect(calls[0].url).toMatch(/\/v1\/repositories\/demo\/services$/);
    expect(JSON.parse(calls[0].init.body)).toMatchObject({
      service: 'search',
      environments: ['dev'],
    });
    expect(ctx.output).toHaveBeenCalledWith('annotations', {
      'gitops2.io/gitops-repo': 'demo',
      'gitops2.io/service': 'search',
    });
    expect(ctx.output).toHaveBeenCalledWith('branch', 'gitops/service-search');
  });

  it("given the service's catalog entity, outputs it with the GitOps annotations for its catalog file (the catalog's own annotations, relations and status left out), and never sends it to the backend", async () => {
    const calls: Array<{ url: string; init: any }> = [];
    const action = createGitopsServiceAddAction({
      discovery: mockServices.discovery(),
      auth: mockServices.auth(),
      fetch: (async (url: string, init: any) => {
        calls.push({ url, init });
        return new Response(
          JSON.stringify({ branch: 'gitops/service-search', files: [] }),
          { status: 201 },
        );
      }) as any,
    });
    const ctx = createMockActionContext({
      input: {
        repositoryId: 'demo',
        service: 'search',
        path: 'apps/search/{environment}/values.yaml',
        locator: { type: 'helm-values', options: { path: 'image.tag' } },
        environments: ['dev'],
        entity: {
          apiVersion: 'backstage.io/v1alpha1',
          kind: 'Component',
          metadata: {
            name: 'search',
            uid: 'u-1',
            etag: 'e-1',
            annotations: {
              'github.com/project-slug': 'acme/search',
              'backstage.io/managed-by-location':
                'url:https://x/catalog-info.yaml',
            },
          },
          spec: { type: 'service', owner: 'team-a' },
          relations: [{ type: 'ownedBy', targetRef: 'group:default/team-a' }],
        },
      },
    });
    await action.handler(ctx as any);
    expect(JSON.parse(calls[0].init.body)).not.toHaveProperty('entity');
    expect(ctx.output).toHaveBeenCalledWith('entity', {
      apiVersion: 'backstage.io/v1alpha1',
      kind: 'Component',
      metadata: {
        name: 'search',
        annotations: {
          'github.com/project-slug': 'acme/search',
          'gitops2.io/gitops-repo': 'demo',
          'gitops2.io/service': 'search',
        },
      },
      spec: { type: 'service', owner: 'team-a' },
    });
  });
});
