import {
  addressProblem,
  TargetPolicy,
  targetEntryProblem,
} from './TargetPolicy';
import { TargetRefusedError } from './TargetRefusedError';

function refusal(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(TargetRefusedError);
    return (e as Error).message;
  }
  throw new Error('expected a refusal');
}

describe('TargetPolicy', () => {
  const policy = new TargetPolicy({
    allowedTargets: [
      'smoke.example.com',
      '*.staging.example.com',
      'metrics.example.com:9090',
      'https://hooks.example.com/services/',
      '10.20.0.0/16',
      'http://127.0.0.1:9090/api/',
    ],
    allowEnvironmentUrls: false,
  });

  it('matches hosts, wildcards, ports and URL prefixes', () => {
    for (const url of [
      'https://smoke.example.com/healthz',
      'http://smoke.example.com:8080/x',
      'https://api.staging.example.com/',
      'http://metrics.example.com:9090/api/v1/query',
      'https://hooks.example.com/services/T000/B000',
      'https://hooks.example.com:443/services/',
      'http://10.20.3.4:8080/',
      'http://127.0.0.1:9090/api/v1/query?query=up',
    ]) {
      expect(policy.checkUrl(url).url.href).toBe(new URL(url).href);
    }
  });

  it('refuses what the list does not name', () => {
    for (const [url, reason] of [
      [
        'https://evil.example.org/',
        'evil.example.org is not in gitops.steps.allowedTargets',
      ],
      [
        'https://smoke.example.com.evil.org/',
        'smoke.example.com.evil.org is not in',
      ],
      ['https://staging.example.com/', 'staging.example.com is not in'],
      [
        'http://metrics.example.com:9091/',
        'metrics.example.com:9091 is not in',
      ],
      ['http://hooks.example.com/services/x', 'hooks.example.com is not in'],
      ['https://hooks.example.com/servicesX', 'hooks.example.com is not in'],
      ['https://hooks.example.com/other', 'hooks.example.com is not in'],
      ['http://127.0.0.1:9090/graph', '127.0.0.1:9090 is not in'],
      ['http://127.0.0.1:9091/api/', '127.0.0.1:9091 is not in'],
      ['http://169.254.169.254/latest/meta-data/', '169.254.169.254 is not in'],
      ['file:///etc/passwd', 'file: URLs are not allowed'],
      [
        'https://user:pw@smoke.example.com/',
        'URLs with credentials are not allowed',
      ],
      ['not a url', 'it is not a valid URL'],
    ]) {
      expect(refusal(() => policy.checkUrl(url))).toContain(reason);
    }
  });

  it('never shows credentials of a refused URL', () => {
    expect(
      refusal(() => policy.checkUrl('https://user:hunter2@smoke.example.com/')),
    ).toBe(
      'refused https://smoke.example.com/: URLs with credentials are not allowed (use a header with {secret:NAME})',
    );
  });

  it('refuses private, loopback and link-local addresses unless listed', () => {
    const match = policy.checkUrl('https://smoke.example.com/');
    expect(() => policy.checkAddress(match, '93.184.216.34')).not.toThrow();
    expect(() => policy.checkAddress(match, '2606:4700::1111')).not.toThrow();
    expect(() => policy.checkAddress(match, '10.20.9.9')).not.toThrow();
    for (const [ip, reason] of [
      ['127.0.0.1', 'resolves to 127.0.0.1 is a loopback address'],
      [
        '169.254.169.254',
        'a link-local address (cloud metadata services live here)',
      ],
      ['10.1.2.3', 'a private address'],
      ['172.16.0.1', 'a private address'],
      ['192.168.1.1', 'a private address'],
      ['0.0.0.0', 'the unspecified address'],
      ['::1', 'a loopback address'],
      ['fe80::1', 'a link-local address'],
      ['fc00::1', 'a unique-local (private IPv6) address'],
      ['::ffff:127.0.0.1', '127.0.0.1 is a loopback address'],
      ['::ffff:a9fe:a9fe', '169.254.169.254 is a link-local address'],
      ['100.64.0.1', 'a carrier-grade NAT address'],
    ]) {
      expect(refusal(() => policy.checkAddress(match, ip))).toContain(reason);
    }
  });

  it('lets a URL naming a listed address through, and only that address', () => {
    const match = policy.checkUrl('http://127.0.0.1:9090/api/v1/query');
    expect(() => policy.checkAddress(match, '127.0.0.1')).not.toThrow();
    expect(
      refusal(() =>
        new TargetPolicy({
          allowedTargets: ['*.0.0.1'],
          allowEnvironmentUrls: false,
        }).checkUrl('http://127.0.0.1/'),
      ),
    ).toContain('127.0.0.1 is not in');
  });

  it('allows environment URL hosts only when configured, on public addresses only', () => {
    const envUrls = ['https://staging.guestbook.example.net', 'not a url'];
    expect(
      refusal(() =>
        policy.checkUrl(
          'https://staging.guestbook.example.net/healthz',
          envUrls,
        ),
      ),
    ).toContain('is not in gitops.steps.allowedTargets');

    const withEnv = new TargetPolicy({
      allowedTargets: ['10.0.0.0/8'],
      allowEnvironmentUrls: true,
    });
    const match = withEnv.checkUrl(
      'https://staging.guestbook.example.net/healthz',
      envUrls,
    );
    expect(match.environmentOnly).toBe(true);
    expect(() => withEnv.checkAddress(match, '93.184.216.34')).not.toThrow();
    // A listed range is the admin's, not the pipeline author's.
    expect(refusal(() => withEnv.checkAddress(match, '10.1.2.3'))).toContain(
      '(environment urls never reach such addresses)',
    );
    expect(
      refusal(() => withEnv.checkUrl('https://other.example.net/', envUrls)),
    ).toContain('nor an environment url');
  });
});

describe('targetEntryProblem', () => {
  it('accepts hosts, prefixes and ranges, refuses the rest', () => {
    for (const ok of [
      'api.example.com',
      '*.example.com',
      'api.example.com:8443',
      'https://hooks.example.com/services/',
      'http://[::1]:9090/',
      '10.0.0.0/8',
      '127.0.0.1',
      'fd00::/8',
      '::1',
    ]) {
      expect(targetEntryProblem(ok)).toBeUndefined();
    }
    for (const bad of [
      'https://user:pw@x.example.com/',
      'https://x.example.com/?a=1',
      'ftp://x.example.com',
      '*',
      'exa mple.com',
      '10.0.0.0/40',
      'api.example.com:99999',
    ]) {
      expect(targetEntryProblem(bad)).toBeDefined();
    }
  });
});

describe('addressProblem', () => {
  it('names the range of a non-public address', () => {
    expect(addressProblem('8.8.8.8')).toBeUndefined();
    expect(addressProblem('169.254.169.254')).toBe(
      '169.254.169.254 is a link-local address (cloud metadata services live here)',
    );
    expect(addressProblem('nonsense')).toBe('nonsense is not an IP address');
  });
});
