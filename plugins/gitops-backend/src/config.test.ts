import { ConfigReader } from '@backstage/config';
import { readGitopsConfig } from './config';

describe('gitops.limits', () => {
  it('defaults maxManifestBytes to 1 MiB', () => {
    expect(readGitopsConfig(new ConfigReader({})).limits).toEqual({
      maxManifestBytes: 1024 * 1024,
    });
    expect(
      readGitopsConfig(
        new ConfigReader({ gitops: { limits: { maxManifestBytes: 4096 } } }),
      ).limits.maxManifestBytes,
    ).toBe(4096);
  });

  it.each([0, 1023, 1.5, 200 * 1024 * 1024, '1MiB'])(
    'refuses maxManifestBytes %p with a message naming the key',
    value => {
      expect(() =>
        readGitopsConfig(
          new ConfigReader({ gitops: { limits: { maxManifestBytes: value } } }),
        ),
      ).toThrow(
        'Invalid gitops configuration: gitops.limits.maxManifestBytes: must be a whole number of bytes from 1024 (1 KiB) to 104857600 (100 MiB, the largest file GitHub serves)',
      );
    },
  );

  it('refuses unknown keys under limits', () => {
    expect(() =>
      readGitopsConfig(
        new ConfigReader({ gitops: { limits: { maxFileBytes: 1 } } }),
      ),
    ).toThrow(/gitops\.limits/);
  });
});

describe('gitops.steps', () => {
  const read = (steps: unknown) =>
    readGitopsConfig(new ConfigReader({ gitops: { steps } } as any)).steps;

  it('defaults to no targets, no secrets, no servers', () => {
    expect(readGitopsConfig(new ConfigReader({})).steps).toEqual({
      allowedTargets: [],
      allowEnvironmentUrls: false,
      secrets: {},
      prometheus: {},
      maxResponseBytes: 1024 * 1024,
      maxRedirects: 3,
    });
  });

  it('reads targets, secrets and Prometheus servers', () => {
    expect(
      read({
        allowedTargets: [
          'smoke.example.com',
          '*.staging.example.com',
          'https://hooks.example.com/services/',
          '10.20.0.0/16',
        ],
        allowEnvironmentUrls: true,
        secrets: { 'smoke-token': 'tok-12345678' },
        prometheus: {
          main: {
            url: 'https://prometheus.example.com',
            headers: { Authorization: 'Bearer prom-token' },
          },
        },
      }),
    ).toMatchObject({
      allowedTargets: [
        'smoke.example.com',
        '*.staging.example.com',
        'https://hooks.example.com/services/',
        '10.20.0.0/16',
      ],
      allowEnvironmentUrls: true,
      secrets: { 'smoke-token': 'tok-12345678' },
      prometheus: { main: { url: 'https://prometheus.example.com' } },
    });
  });

  it.each([
    [
      { allowedTargets: ['https://u:p@x.example.com/'] },
      'gitops.steps.allowedTargets.0: a URL prefix may not hold credentials, a query or a fragment',
    ],
    [
      { allowedTargets: ['ok.example.com', 'not a host'] },
      'gitops.steps.allowedTargets.1: must be a host',
    ],
    [
      { secrets: { token: 'short' } },
      'gitops.steps.secrets.token: must be at least 8 characters',
    ],
    [
      { prometheus: { main: { url: 'prometheus:9090' } } },
      'gitops.steps.prometheus.main.url: must be an http(s) URL without credentials',
    ],
    [{ maxRedirects: 5 }, 'gitops.steps.maxRedirects'],
    [{ allowedHosts: [] }, 'gitops.steps'],
  ])('refuses %j', (steps, message) => {
    expect(() => read(steps)).toThrow(message);
  });
});

describe('gitops.repositories[].webUrl', () => {
  const read = (repo: object) =>
    readGitopsConfig(
      new ConfigReader({
        gitops: { repositories: [{ id: 'demo', branch: 'main', ...repo }] },
      }),
    ).repositories[0];

  it('is kept for a local repository', () => {
    expect(
      read({
        provider: 'local',
        url: '/srv/gitops',
        webUrl: 'https://git.acme.example/acme/gitops',
      }).webUrl,
    ).toBe('https://git.acme.example/acme/gitops');
  });

  it.each([
    ['not a URL', 'git.acme.example/acme/gitops', /webUrl: must be http/],
    ['with credentials', 'https://me:pw@host/acme/gitops', /webUrl/],
  ])('refuses a webUrl %s', (_what, webUrl, message) => {
    expect(() =>
      read({ provider: 'local', url: '/srv/gitops', webUrl }),
    ).toThrow(message);
  });

  it('refuses a webUrl on a github repository (its url says it)', () => {
    expect(() =>
      read({
        provider: 'github',
        url: 'https://github.com/acme/gitops',
        webUrl: 'https://github.com/acme/gitops',
      }),
    ).toThrow(/webUrl: is for local repositories/);
  });
});
