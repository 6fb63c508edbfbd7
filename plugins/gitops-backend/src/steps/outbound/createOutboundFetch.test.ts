import {
  CountingServer,
  startCountingServer,
} from '../__testUtils__/countingServer';
import type { OutboundRequest } from '../types';
import { createOutboundFetch, LookupAll } from './createOutboundFetch';
import { TargetRefusedError } from './TargetRefusedError';

function get(
  url: string,
  extra: Partial<OutboundRequest> = {},
): OutboundRequest {
  return { method: 'GET', url, timeoutMs: 5000, maxBodyBytes: 65536, ...extra };
}

/** A resolver for names that do not exist: each test says what they resolve to. */
function fakeDns(table: Record<string, string[]>) {
  const asked: string[] = [];
  const lookup: LookupAll = async hostname => {
    asked.push(hostname);
    const addresses = table[hostname];
    if (!addresses) throw new Error(`getaddrinfo ENOTFOUND ${hostname}`);
    return addresses.map(address => ({
      address,
      family: address.includes(':') ? 6 : 4,
    }));
  };
  return { lookup, asked };
}

describe('createOutboundFetch', () => {
  let target: CountingServer;
  let outside: CountingServer;

  beforeEach(async () => {
    target = await startCountingServer((req, res) => {
      if (req.url === '/big') {
        res.setHeader('content-type', 'text/plain');
        res.end('x'.repeat(200_000));
      } else if (req.url === '/to-outside') {
        res.statusCode = 302;
        res.setHeader('location', `${outside.url}/collect`);
        res.end();
      } else if (req.url.startsWith('/hop/')) {
        const n = Number(req.url.slice(5));
        res.statusCode = 307;
        res.setHeader('location', n > 1 ? `/hop/${n - 1}` : '/health');
        res.end();
      } else if (req.url === '/slow') {
        // Never answers: the client's timeout must end it.
      } else {
        res.setHeader('content-type', 'application/json');
        res.end(
          JSON.stringify({
            status: 'ok',
            method: req.method,
            host: req.headers.host,
            body: req.body,
          }),
        );
      }
    });
    outside = await startCountingServer((_req, res) => res.end('collected'));
  });

  afterEach(async () => {
    await target.close();
    await outside.close();
  });

  it('refuses 169.254.169.254 (cloud metadata) without sending anything', async () => {
    const { lookup, asked } = fakeDns({});
    const fetch = createOutboundFetch(
      { allowedTargets: ['smoke.example.com'], allowEnvironmentUrls: false },
      { lookup },
    );
    const refused = fetch(get('http://169.254.169.254/latest/meta-data/'));
    await expect(refused).rejects.toThrow(TargetRefusedError);
    await expect(refused).rejects.toThrow(
      'refused http://169.254.169.254/latest/meta-data/: 169.254.169.254 is not in gitops.steps.allowedTargets',
    );
    expect(asked).toEqual([]);
  });

  it('refuses a listed name that resolves to the metadata address', async () => {
    const { lookup } = fakeDns({ 'metadata.example.com': ['169.254.169.254'] });
    const fetch = createOutboundFetch(
      { allowedTargets: ['metadata.example.com'], allowEnvironmentUrls: false },
      { lookup },
    );
    await expect(
      fetch(get('http://metadata.example.com/latest/meta-data/')),
    ).rejects.toThrow(
      'metadata.example.com resolves to 169.254.169.254 is a link-local address (cloud metadata services live here)',
    );
  });

  it('refuses 127.0.0.1 when it is not listed: the server gets no request', async () => {
    const fetch = createOutboundFetch({
      allowedTargets: ['smoke.example.com'],
      allowEnvironmentUrls: false,
    });
    await expect(fetch(get(`${target.url}/health`))).rejects.toThrow(
      `refused ${target.url}/health: 127.0.0.1:${target.port} is not in gitops.steps.allowedTargets`,
    );
    expect(target.requests).toHaveLength(0);
  });

  it('refuses a host outside the allowlist', async () => {
    const { lookup, asked } = fakeDns({
      'evil.example.org': ['93.184.216.34'],
    });
    const fetch = createOutboundFetch(
      { allowedTargets: ['smoke.example.com'], allowEnvironmentUrls: false },
      { lookup },
    );
    const refused = fetch(get('https://evil.example.org/'));
    await expect(refused).rejects.toBeInstanceOf(TargetRefusedError);
    await expect(refused).rejects.toMatchObject({
      reason: 'evil.example.org is not in gitops.steps.allowedTargets',
    });
    expect(asked).toEqual([]);
  });

  it('refuses a listed name that resolves to loopback (DNS rebinding): no request', async () => {
    const { lookup } = fakeDns({
      'rebind.example.com': ['93.184.216.34', '127.0.0.1'],
    });
    const fetch = createOutboundFetch(
      { allowedTargets: ['rebind.example.com'], allowEnvironmentUrls: false },
      { lookup },
    );
    await expect(
      fetch(get(`http://rebind.example.com:${target.port}/health`)),
    ).rejects.toThrow(
      'rebind.example.com resolves to 127.0.0.1 is a loopback address; list the address or its range in gitops.steps.allowedTargets to allow it',
    );
    expect(target.requests).toHaveLength(0);
  });

  it('connects to the address it checked, sending the name as Host', async () => {
    const { lookup, asked } = fakeDns({ 'smoke.example.com': ['127.0.0.1'] });
    const fetch = createOutboundFetch(
      {
        allowedTargets: ['smoke.example.com', '127.0.0.1'],
        allowEnvironmentUrls: false,
      },
      { lookup },
    );
    const res = await fetch(
      get(`http://smoke.example.com:${target.port}/health`),
    );
    expect(res.status).toBe(200);
    expect(JSON.parse(res.body).host).toBe(`smoke.example.com:${target.port}`);
    // One lookup, the checked one: the socket did not ask DNS again.
    expect(asked).toEqual(['smoke.example.com']);
    expect(target.requests).toHaveLength(1);
  });

  it('sends an allowed request and returns status, headers and body', async () => {
    const fetch = createOutboundFetch({
      allowedTargets: [`${target.url}/`],
      allowEnvironmentUrls: false,
    });
    const res = await fetch({
      method: 'POST',
      url: `${target.url}/health?x=1`,
      headers: {
        'content-type': 'application/json',
        'x-token': 't0ken-value',
        Host: 'admin.internal',
      },
      body: '{"hello":"world"}',
      timeoutMs: 5000,
      maxBodyBytes: 65536,
    });
    expect(res).toMatchObject({ status: 200, truncated: false });
    expect(res.headers['content-type']).toBe('application/json');
    expect(JSON.parse(res.body)).toMatchObject({
      status: 'ok',
      method: 'POST',
      body: '{"hello":"world"}',
    });
    expect(target.requests[0].headers['x-token']).toBe('t0ken-value');
    // The Host header is the URL's, whatever the caller says.
    expect(target.requests[0].headers.host).toBe(`127.0.0.1:${target.port}`);
  });

  it('refuses a redirect to a host outside the list: the outside server gets nothing', async () => {
    const fetch = createOutboundFetch({
      allowedTargets: [`${target.url}/`],
      allowEnvironmentUrls: false,
    });
    await expect(fetch(get(`${target.url}/to-outside`))).rejects.toThrow(
      `refused ${outside.url}/collect: 127.0.0.1:${outside.port} is not in gitops.steps.allowedTargets`,
    );
    expect(target.requests).toHaveLength(1);
    expect(outside.requests).toHaveLength(0);
  });

  it('follows redirects within the list, at most maxRedirects', async () => {
    const fetch = createOutboundFetch({
      allowedTargets: [`${target.url}/`],
      allowEnvironmentUrls: false,
    });
    const res = await fetch(get(`${target.url}/hop/3`));
    expect(res.status).toBe(200);
    expect(target.requests.map(r => r.url)).toEqual([
      '/hop/3',
      '/hop/2',
      '/hop/1',
      '/health',
    ]);
    await expect(fetch(get(`${target.url}/hop/4`))).rejects.toThrow(
      'more than 3 redirects',
    );

    const noRedirects = createOutboundFetch({
      allowedTargets: [`${target.url}/`],
      allowEnvironmentUrls: false,
      maxRedirects: 0,
    });
    await expect(noRedirects(get(`${target.url}/hop/1`))).rejects.toThrow(
      'more than 0 redirects',
    );
  });

  it('drops headers on a redirect to another listed origin', async () => {
    const fetch = createOutboundFetch({
      allowedTargets: [`${target.url}/`, `${outside.url}/`],
      allowEnvironmentUrls: false,
    });
    const res = await fetch(
      get(`${target.url}/to-outside`, {
        headers: { authorization: 'Bearer s3cret-token', accept: 'text/plain' },
      }),
    );
    expect(res.body).toBe('collected');
    expect(target.requests[0].headers.authorization).toBe(
      'Bearer s3cret-token',
    );
    expect(outside.requests[0].headers.authorization).toBeUndefined();
    expect(outside.requests[0].headers.accept).toBe('text/plain');
  });

  it('keeps maxBodyBytes of a long body and drops the rest', async () => {
    const fetch = createOutboundFetch({
      allowedTargets: ['127.0.0.1'],
      allowEnvironmentUrls: false,
      maxResponseBytes: 4096,
    });
    const small = await fetch(get(`${target.url}/big`, { maxBodyBytes: 1000 }));
    expect(small.body).toHaveLength(1000);
    expect(small.truncated).toBe(true);
    // The configured bound caps what a step asks for.
    const capped = await fetch(
      get(`${target.url}/big`, { maxBodyBytes: 1_000_000 }),
    );
    expect(capped.body).toHaveLength(4096);
    expect(capped.truncated).toBe(true);
    const whole = await fetch(get(`${target.url}/health`));
    expect(whole.truncated).toBe(false);
  });

  it('gives up after timeoutMs and when the step is cancelled', async () => {
    const fetch = createOutboundFetch({
      allowedTargets: ['127.0.0.1'],
      allowEnvironmentUrls: false,
    });
    await expect(
      fetch(get(`${target.url}/slow`, { timeoutMs: 200 })),
    ).rejects.toThrow('no answer within 200 ms');
    const controller = new AbortController();
    const pending = fetch(get(`${target.url}/slow`), {
      signal: controller.signal,
    });
    controller.abort(new Error('step cancelled'));
    await expect(pending).rejects.toThrow('step cancelled');
  });

  it('reaches environment URL hosts only when allowEnvironmentUrls is set', async () => {
    const { lookup } = fakeDns({
      'staging.guestbook.example.net': ['127.0.0.1'],
    });
    const envUrls = [`http://staging.guestbook.example.net:${target.port}`];
    const closed = createOutboundFetch(
      { allowedTargets: [], allowEnvironmentUrls: false },
      { lookup },
    );
    await expect(
      closed(get(`${envUrls[0]}/health`), { environmentUrls: envUrls }),
    ).rejects.toThrow('is not in gitops.steps.allowedTargets');
    const open = createOutboundFetch(
      { allowedTargets: [], allowEnvironmentUrls: true },
      { lookup },
    );
    // Allowed as an environment, but never onto loopback.
    await expect(
      open(get(`${envUrls[0]}/health`), { environmentUrls: envUrls }),
    ).rejects.toThrow('environment urls never reach such addresses');
    expect(target.requests).toHaveLength(0);
  });

  it('refuses IPv4-mapped IPv6 loopback, as a literal and resolved', async () => {
    const { lookup } = fakeDns({ 'mapped.example.com': ['::ffff:7f00:1'] });
    const fetch = createOutboundFetch(
      {
        allowedTargets: ['mapped.example.com', '::/0'],
        allowEnvironmentUrls: false,
      },
      { lookup },
    );
    await expect(
      fetch(get(`http://[::ffff:127.0.0.1]:${target.port}/health`)),
    ).rejects.toThrow('is not in gitops.steps.allowedTargets');
    await expect(
      fetch(get(`http://mapped.example.com:${target.port}/health`)),
    ).rejects.toThrow('resolves to 127.0.0.1 is a loopback address');
    expect(target.requests).toHaveLength(0);
  });
});
