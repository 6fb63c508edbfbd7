import type { EnvironmentCreateRequest } from '@gitops2/plugin-gitops-common';
import { createDefaultLocatorRegistry } from '../locators';
import { parsePipeline } from '../pipeline/parsePipeline';
import { editPipelineFile } from './editPipelineFile';
import { COMMENTED } from './__fixtures__/commentedPipeline';

const request = (
  over: Partial<EnvironmentCreateRequest> = {},
): EnvironmentCreateRequest => ({
  name: 'perf',
  placement: { kind: 'after-stage', after: 'staging' },
  sourceEnvironment: 'staging',
  cluster: 'staging-cluster',
  namespace: 'shop-perf',
  ...over,
});

const locators = createDefaultLocatorRegistry();
const parse = (text: string) =>
  parsePipeline(text, 'gitops-pipeline.yaml', locators);

/** The lines of `before`, in order, must all be in `after`: nothing removed or changed. */
function removedLines(before: string, after: string): string[] {
  const rest = after.split('\n');
  const missing: string[] = [];
  let j = 0;
  for (const line of before.split('\n')) {
    const k = rest.indexOf(line, j);
    if (k < 0) missing.push(line);
    else j = k + 1;
  }
  return missing;
}

describe('editPipelineFile', () => {
  it('adds a stage after staging and keeps every comment and blank line of the file, in order', () => {
    const edited = editPipelineFile({
      text: COMMENTED,
      file: 'gitops-pipeline.yaml',
      parsed: parse(COMMENTED),
      request: request({
        url: 'https://perf.shop.example.com',
        promotion: { approvals: 1, soakTime: '1h' },
      }),
    });
    expect(removedLines(COMMENTED, edited)).toEqual([]);
    // Every comment line and blank line is still there, as often as before.
    const count = (t: string, f: (l: string) => boolean) =>
      t.split('\n').filter(f).length;
    expect(count(edited, l => l.trim() === '')).toBe(
      count(COMMENTED, l => l.trim() === ''),
    );
    expect(count(edited, l => l.includes('#'))).toBe(
      count(COMMENTED, l => l.includes('#')),
    );
    // Only new lines were added, at their place.
    expect(edited).toContain(
      `    - name: staging
      # Release candidates.
      environments:
        - staging # the only one
    - name: perf
      environments: [perf]
`,
    );
    expect(edited).toContain(`    prod-eu:
      cluster: prod-eu-cluster
      namespace: shop
    perf:
      cluster: staging-cluster
      namespace: shop-perf
      url: https://perf.shop.example.com
      promotion:
        approvals: 1
        soakTime: 1h
    # prod-asia is coming in Q3.`);
    const parsed = parse(edited);
    expect(parsed.fileError).toBeNull();
    expect(parsed.definition!.stages.map(s => s.name)).toEqual([
      'dev',
      'staging',
      'perf',
      'prod',
    ]);
    const perf = parsed.definition!.environments.find(e => e.name === 'perf');
    expect(perf).toMatchObject({
      stage: 'perf',
      cluster: 'staging-cluster',
      namespace: 'shop-perf',
      promotion: { approvals: 1, soakTimeSeconds: 3600 },
    });
    expect(parsed.environmentErrors).toEqual({});
  });

  it('keeps each service where the source environment has it: overrides copied with the name replaced, disabled stays disabled', () => {
    const edited = editPipelineFile({
      text: COMMENTED,
      file: 'gitops-pipeline.yaml',
      parsed: parse(COMMENTED),
      request: request(),
    });
    const services = parse(edited).services;
    expect(services.cart.perf).toMatchObject({
      path: 'apps/cart/perf/kustomization.yaml',
    });
    expect(services.search.perf).toMatchObject({
      path: 'legacy/search-perf/values.yaml',
    });
    expect(services.billing.perf).toBeUndefined();
    expect(edited).toContain(`          enabled: false # billing skips staging
        perf:
          enabled: false
`);
  });

  it('joins an existing stage: a flow list gets ", prod-asia" and nothing else moves', () => {
    const edited = editPipelineFile({
      text: COMMENTED,
      file: 'gitops-pipeline.yaml',
      parsed: parse(COMMENTED),
      request: request({
        name: 'prod-asia',
        placement: { kind: 'join-stage', stage: 'prod' },
        sourceEnvironment: 'prod-us',
        cluster: 'prod-us-cluster',
        namespace: 'shop',
      }),
    });
    expect(edited).toContain(
      '      environments: [prod-us, prod-eu, prod-asia] # parallel\n',
    );
    expect(removedLines(COMMENTED, edited)).toEqual([
      '      environments: [prod-us, prod-eu] # parallel',
    ]);
    const parsed = parse(edited);
    expect(
      parsed.definition!.stages.find(s => s.name === 'prod')!.environments,
    ).toEqual(['prod-us', 'prod-eu', 'prod-asia']);
    // search is disabled in dev only: it runs in prod-asia like in prod-us.
    expect(parsed.services.search['prod-asia']).toMatchObject({
      path: 'apps/search/prod-asia/values.yaml',
    });
  });

  it('joins a stage written as a block list with a new "- name" line', () => {
    const edited = editPipelineFile({
      text: COMMENTED,
      file: 'gitops-pipeline.yaml',
      parsed: parse(COMMENTED),
      request: request({
        name: 'staging-2',
        placement: { kind: 'join-stage', stage: 'staging' },
      }),
    });
    expect(edited).toContain(
      '        - staging # the only one\n        - staging-2\n',
    );
    expect(removedLines(COMMENTED, edited)).toEqual([]);
  });
});
