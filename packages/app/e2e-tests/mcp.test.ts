import { APIRequestContext, expect, test } from '@playwright/test';

/**
 * "Ask the portal" (docs/ask-the-portal.md): an MCP client speaking to the
 * running portal's MCP actions backend (Streamable HTTP, stateless, at
 * /api/mcp-actions/v1) with a user's token, as an AI assistant does. The
 * answers are the ledger's, the same as the HTTP API gives that user; the
 * demo's visitor, who may not read the guestbook services in the catalog,
 * is told they do not exist.
 */
const BACKEND = process.env.PLAYWRIGHT_BACKEND_URL ?? 'http://localhost:7007';
const MCP = `${BACKEND}/api/mcp-actions/v1`;

const READ_TOOLS = [
  'gitops.lookup-feature',
  'gitops.get-service-status',
  'gitops.list-deployments',
  'gitops.get-change-set',
  'gitops.get-delivery-metrics',
  'gitops.list-approvals',
];
const WRITE_TOOLS = [
  'gitops.promote',
  'gitops.rollback',
  'gitops.approve',
  'gitops.cancel',
  'gitops.lift-hold',
];

type Who = 'guest' | 'release-manager' | 'visitor';

/** A user token from the demo's sign-in (the same call the app makes). */
async function tokenOf(request: APIRequestContext, who: Who) {
  const res = await request.post(
    `${BACKEND}/api/auth/${who}/refresh?env=development`,
    { headers: { 'x-requested-with': 'XMLHttpRequest' } },
  );
  expect(res.ok(), await res.text()).toBe(true);
  return (await res.json()).backstageIdentity.token as string;
}

/** One JSON-RPC request over Streamable HTTP; the answer comes as SSE or JSON. */
async function mcp(
  request: APIRequestContext,
  token: string,
  method: string,
  params: object,
): Promise<any> {
  const id = Math.floor(Math.random() * 1e9);
  const res = await request.post(MCP, {
    headers: {
      authorization: `Bearer ${token}`,
      accept: 'application/json, text/event-stream',
      'content-type': 'application/json',
    },
    data: { jsonrpc: '2.0', id, method, params },
  });
  expect(res.status(), await res.text()).toBe(200);
  const body = await res.text();
  const messages = res.headers()['content-type']?.includes('event-stream')
    ? body
        .split('\n')
        .filter(l => l.startsWith('data: '))
        .map(l => JSON.parse(l.slice('data: '.length)))
    : [JSON.parse(body)];
  const answer = messages.find(m => m.id === id);
  expect(answer?.error, JSON.stringify(answer)).toBeUndefined();
  return answer.result;
}

const callTool = (
  request: APIRequestContext,
  token: string,
  name: string,
  args: object,
) => mcp(request, token, 'tools/call', { name, arguments: args });

async function api(request: APIRequestContext, token: string, path: string) {
  return request.get(`${BACKEND}/api/gitops${path}`, {
    headers: { authorization: `Bearer ${token}` },
  });
}

test('an MCP client lists the GitOps tools, read-only ones marked so', async ({
  request,
}) => {
  const token = await tokenOf(request, 'guest');
  const { tools } = await mcp(request, token, 'tools/list', {});
  const byName = new Map<string, any>(tools.map((t: any) => [t.name, t]));
  for (const name of READ_TOOLS) {
    expect(byName.get(name)?.annotations, name).toMatchObject({
      readOnlyHint: true,
      destructiveHint: false,
      idempotentHint: true,
    });
    expect(byName.get(name).inputSchema.type).toBe('object');
  }
  for (const name of WRITE_TOOLS)
    expect(byName.get(name)?.annotations.readOnlyHint, name).toBe(false);
  expect(byName.get('gitops.lookup-feature').inputSchema.required).toEqual([
    'query',
  ]);
});

test('"where is SAAS-1543?" over MCP gets the ledger\'s answer, the same as the feature tracker\'s', async ({
  request,
}) => {
  const token = await tokenOf(request, 'guest');
  const result = await callTool(request, token, 'gitops.lookup-feature', {
    query: 'SAAS-1543',
  });
  expect(result.isError).toBeFalsy();
  const answer = result.structuredContent;
  // The text content is the same answer, for clients that only read text.
  expect(JSON.parse(result.content[0].text)).toEqual(answer);

  const page = await (
    await api(request, token, '/v1/features?q=SAAS-1543')
  ).json();
  expect(answer.kind).toBe('issue');
  expect(answer.services.map((s: any) => s.service)).toEqual(
    page.services.map((s: any) => s.service),
  );
  const [ui] = answer.services;
  expect(ui.service).toBe('guestbook-ui');
  expect(ui.environments).toEqual(page.services[0].environments);
  expect(ui.dwell.map((d: any) => [d.from, d.to, d.seconds])).toEqual(
    page.services[0].dwell.map((d: any) => [d.from, d.to, d.seconds]),
  );
  expect(
    ui.environments.find((e: any) => e.environment === 'prod-us').present,
  ).toBe(true);
  expect(answer.link).toMatch(/\/gitops\/features\?q=SAAS-1543$/);
  expect(ui.link).toMatch(
    /\/catalog\/default\/component\/guestbook-ui\/gitops$/,
  );

  // The same tab question: versions per environment, as GET …/status says.
  const status = await callTool(request, token, 'gitops.get-service-status', {
    entityRef: 'guestbook-ui',
    includePending: false,
  });
  const tab = await (
    await api(
      request,
      token,
      '/v1/entities/default/component/guestbook-ui/status',
    )
  ).json();
  expect(
    status.structuredContent.environments.map((e: any) => [
      e.environment,
      e.version,
    ]),
  ).toEqual(
    tab.environments.map((e: any) => [
      e.environment.name,
      e.desired?.version ?? null,
    ]),
  );
});

test('a user who may not read the service is told it does not exist, over MCP as over HTTP', async ({
  request,
}) => {
  // The demo's visitor may not read the guestbook system in the catalog
  // (packages/backend/src/modules/permissionPolicy.ts).
  const token = await tokenOf(request, 'visitor');
  const status = await callTool(request, token, 'gitops.get-service-status', {
    entityRef: 'component:default/guestbook-ui',
  });
  expect(status.isError).toBe(true);
  // Told it does not exist; the services it suggests instead are only ones
  // the visitor may read (the demo's checkout services), never a guestbook.
  const message: string = status.content[0].text;
  expect(message).toMatch(
    /^NotFoundError: no service "component:default\/guestbook-ui" \(component:default\/guestbook-ui\) in the catalog that you may read; closest GitOps services: /,
  );
  expect(message.split('closest GitOps services: ')[1].split(', ')).toEqual(
    expect.arrayContaining([
      expect.stringMatching(/^component:default\/checkout-/),
    ]),
  );
  expect(message.replace(/^[^;]*;/, '')).not.toMatch(/guestbook/);
  expect(
    (
      await api(
        request,
        token,
        '/v1/entities/default/component/guestbook-ui/status',
      )
    ).status(),
  ).toBe(404);

  // The feature question names no service the visitor may not see.
  const feature = await callTool(request, token, 'gitops.lookup-feature', {
    query: 'SAAS-1543',
  });
  expect(feature.structuredContent.services).toEqual([]);
  const page = await (
    await api(request, token, '/v1/features?q=SAAS-1543')
  ).json();
  expect(page.services).toEqual([]);

  // Nor can the visitor write to it through MCP.
  const promote = await callTool(request, token, 'gitops.promote', {
    entityRef: 'guestbook-ui',
    sourceEnvironment: 'staging',
  });
  expect(promote.isError).toBe(true);
  expect(promote.content[0].text).toMatch(/^NotFoundError: no service/);
});
