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

describe('keys read elsewhere', () => {
  it('accepts gitops.events (Argo CD / Flux secrets) and gitops.signals (change key secret)', () => {
    expect(() =>
      readGitopsConfig(
        new ConfigReader({
          gitops: {
            events: {
              argocd: { secret: 'argo-shared-secret' },
              flux: { secret: 'flux-hmac-key-123' },
            },
            signals: { keySecret: 'a-secret-of-16-chars' },
          },
        }),
      ),
    ).not.toThrow();
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

describe('where the pipeline is', () => {
  const read = (repo: object) =>
    readGitopsConfig(
      new ConfigReader({
        gitops: {
          repositories: [
            { id: 'shop', provider: 'local', url: '/srv/g', ...repo },
          ],
        },
      }),
    ).repositories[0];

  it('is gitops-pipeline.yaml of the repository by default', () => {
    expect(read({})).toMatchObject({ pipelineFile: 'gitops-pipeline.yaml' });
  });

  it('names an app-config pipeline and a pipelineFrom file in messages', () => {
    expect(read({ pipeline: { kind: 'Pipeline' } }).pipelineFile).toBe(
      'app-config gitops.repositories[shop].pipeline',
    );
    expect(
      read({
        pipelineFrom: {
          provider: 'github',
          url: 'https://github.com/acme/pipelines',
          path: 'teams/shop.yaml',
        },
      }),
    ).toMatchObject({
      pipelineFile:
        'teams/shop.yaml of https://github.com/acme/pipelines (main)',
      pipelineFrom: { branch: 'main' },
    });
  });

  it('refuses a pipeline in two places', () => {
    expect(() =>
      read({ pipelineFile: 'p.yaml', pipeline: { kind: 'Pipeline' } }),
    ).toThrow(
      'gitops.repositories.0.pipeline: the pipeline is in one place: pipelineFile, pipeline are exclusive',
    );
    expect(() =>
      read({
        pipeline: { kind: 'Pipeline' },
        pipelineFrom: { provider: 'local', url: '/srv/p', path: 'p.yaml' },
      }),
    ).toThrow(/pipelineFrom: the pipeline is in one place/);
  });

  it.each([
    [
      { provider: 'github', url: 'github.com/acme/p', path: 'p.yaml' },
      /pipelineFrom.url: must be https/,
    ],
    [
      { provider: 'local', url: '/srv/p', path: '../p.yaml' },
      /pipelineFrom.path: must be a relative path/,
    ],
    [
      { provider: 'local', url: '/srv/p', path: 'p.yaml', token: 'x' },
      /pipelineFrom/,
    ],
  ])('refuses a bad pipelineFrom %p', (pipelineFrom, message) => {
    expect(() => read({ pipelineFrom })).toThrow(message);
  });

  it('bounds the look-back and the reingest label', () => {
    const at = (ingestion: object) =>
      readGitopsConfig(new ConfigReader({ gitops: { ingestion } })).ingestion;
    expect(at({}).maxHistoryCommits).toBe(20_000);
    expect(at({ maxHistoryCommits: 0 }).maxHistoryCommits).toBe(0);
    expect(() => at({ maxHistoryCommits: -1 })).toThrow(
      'gitops.ingestion.maxHistoryCommits: must be 0 to 1000000',
    );
    expect(() => read({ reingest: 'x'.repeat(256) })).toThrow(
      'gitops.repositories.0.reingest: must be at most 255 characters',
    );
  });
});

describe('gitops.correlation.backfill', () => {
  const read = (backfill: unknown) =>
    readGitopsConfig(
      new ConfigReader({ gitops: { correlation: { backfill } } } as any),
    ).correlation.backfill;

  it('defaults to on, from 50 pending rollouts, half the hourly budget, 5 repositories per query', () => {
    expect(readGitopsConfig(new ConfigReader({})).correlation.backfill).toEqual(
      { enabled: true, minPending: 50, rateLimitShare: 0.5, reposPerQuery: 5 },
    );
    expect(read({ rateLimitShare: 0.2 }).rateLimitShare).toBe(0.2);
    expect(read({ rateLimitShare: 1 }).rateLimitShare).toBe(1);
  });

  it.each([0, -0.5, 1.01, '50%'])(
    'refuses rateLimitShare %p with a message naming the key',
    value => {
      expect(() => read({ rateLimitShare: value })).toThrow(
        "Invalid gitops configuration: gitops.correlation.backfill.rateLimitShare: must be a number greater than 0 and at most 1: the share of GitHub's hourly rate limit the backfill may use (e.g. 0.5)",
      );
    },
  );

  it.each([0, 11, 2.5])('refuses reposPerQuery %p', value => {
    expect(() => read({ reposPerQuery: value })).toThrow(
      'gitops.correlation.backfill.reposPerQuery: must be a whole number from 1 to 10',
    );
  });
});
