import { createDefaultStepRegistry, StepRegistry } from './StepRegistry';
import { NotifyStep } from './NotifyStep';

describe('StepRegistry', () => {
  const registry = createDefaultStepRegistry({
    prometheus: { main: { url: 'https://prometheus.example.com' } },
  });

  it('holds the six built-in step types', () => {
    expect(registry.types()).toEqual([
      'checks',
      'http',
      'notify',
      'prometheus',
      'wait-healthy',
      'webhook',
    ]);
    for (const type of registry.types()) {
      expect(registry.get(type)?.type).toBe(type);
    }
    expect(registry.get('smoke-test')).toBeUndefined();
  });

  it('refuses two step types with the same type', () => {
    const r = new StepRegistry().register(new NotifyStep());
    expect(() => r.register(new NotifyStep())).toThrow(
      'a step of type "notify" is already registered',
    );
  });

  it('accepts the examples of docs/pipeline.md', () => {
    const valid: Array<[string, unknown]> = [
      ['wait-healthy', {}],
      ['wait-healthy', { interval: '15s' }],
      [
        'http',
        {
          url: '{environment.url}/healthz?version={version}',
          headers: { Authorization: 'Bearer {secret:smoke-token}' },
          successStatus: [200],
          successExpression: '$.status == "ok" and $.version == version',
          failureStatus: '500-599',
          count: 3,
          interval: '10s',
        },
      ],
      [
        'prometheus',
        {
          server: 'main',
          query:
            'sum(rate(http_requests_total{service="{service}",code=~"5.."}[5m])) / sum(rate(http_requests_total{service="{service}"}[5m]))',
          successExpression: '$ < 0.01',
          failureExpression: '$ >= 0.05',
          count: 5,
          interval: '1m',
        },
      ],
      ['checks', {}],
      ['checks', { names: ['unit-tests', 'trivy-scan'] }],
      ['notify', { severity: 'high', link: '{environment.url}/status' }],
      [
        'webhook',
        {
          url: 'https://hooks.example.com/gitops',
          secret: 'hooks-hmac',
        },
      ],
      [
        'webhook',
        {
          url: 'https://grafana.example.com/api/annotations',
          headers: { Authorization: 'Bearer {secret:grafana-token}' },
          body: {
            text: '{service} {version} to {environment}',
            tags: ['deploy'],
          },
        },
      ],
    ];
    for (const [type, options] of valid) {
      expect(registry.validate(type, options)).toBeUndefined();
    }
  });

  it.each([
    [
      'deploy',
      {},
      'unknown step type "deploy" (known: checks, http, notify, prometheus, wait-healthy, webhook)',
    ],
    ['http', {}, 'http: options.url is required'],
    [
      'http',
      { url: 'ftp://x' },
      'http: options.url must start with {environment.url} or http(s)://<host>',
    ],
    [
      'http',
      { url: '{environment.url}/{enviroment}' },
      'http: options.url has an unknown placeholder {enviroment}',
    ],
    [
      'http',
      { url: 'https://x.example.com/?t={secret:token}' },
      'http: options.url may not use {secret:token}: secrets are allowed in headers only',
    ],
    [
      'http',
      { url: 'https://x.example.com', urll: 1 },
      'http: options has an unknown key "urll"',
    ],
    [
      'http',
      { url: 'https://x.example.com', method: 'TRACE' },
      'http: options.method must be one of "GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"',
    ],
    [
      'http',
      { url: 'https://x.example.com', successExpression: '$.status = "ok"' },
      'http: options.successExpression does not parse: use "==" to compare at character 10',
    ],
    [
      'http',
      { url: 'https://x.example.com', successStatus: '299-200' },
      'http: options.successStatus must be a list of status codes or a range like "200-299"',
    ],
    [
      'http',
      { url: 'https://x.example.com', count: 0 },
      'http: options.count must be at least 1',
    ],
    [
      'http',
      { url: 'https://x.example.com', interval: 'soon' },
      'http: options.interval must be a duration like 10s, 5m or 1h, from 1s to 24h',
    ],
    [
      'http',
      { url: 'https://x.example.com', headers: { Host: 'evil' } },
      'http: options.headers.Host is set by the backend and may not be given',
    ],
    [
      'prometheus',
      { server: 'main', query: 42, successExpression: '$ < 1' },
      'prometheus: options.query must be a string',
    ],
    [
      'prometheus',
      { server: 'other', query: 'up', successExpression: '$ < 1' },
      'prometheus: options.server must name a server of gitops.steps.prometheus ("main")',
    ],
    [
      'prometheus',
      { server: 'main', query: 'up' },
      'prometheus: options.successExpression is required',
    ],
    [
      'prometheus',
      { server: 'main', query: 'up', successExpression: '$ <' },
      'prometheus: options.successExpression does not parse',
    ],
    ['checks', { names: [] }, 'checks: options.names must not be empty'],
    [
      'notify',
      { severity: 'urgent' },
      'notify: options.severity must be one of "critical", "high", "normal", "low"',
    ],
    [
      'notify',
      { link: 'data:text/html,hi' },
      'notify: options.link must be an http(s) URL, a path starting with / or start with {environment.url}',
    ],
    [
      'webhook',
      { url: 'https://x.example.com', secret: '{secret:x}' },
      'webhook: options.secret must be the name of a secret of gitops.steps.secrets',
    ],
    [
      'webhook',
      { url: 'https://x.example.com', body: 3 },
      'webhook: options.body must be a string or a JSON object or array',
    ],
    [
      'wait-healthy',
      { timeout: '5m' },
      'wait-healthy: options has an unknown key "timeout"',
    ],
  ])('refuses %s %j: %s', (type, options, message) => {
    expect(registry.validate(type, options)).toContain(message);
  });

  it('says when no Prometheus server is configured', () => {
    expect(
      createDefaultStepRegistry().validate('prometheus', {
        server: 'main',
        query: 'up',
        successExpression: '$ == 1',
      }),
    ).toBe(
      'prometheus: options.server must name a server of gitops.steps.prometheus, and none is configured',
    );
  });
});
