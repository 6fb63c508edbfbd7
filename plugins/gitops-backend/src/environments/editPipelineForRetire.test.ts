import { createDefaultLocatorRegistry } from '../locators';
import { parsePipeline } from '../pipeline/parsePipeline';
import { COMMENTED } from './__fixtures__/commentedPipeline';
import { editPipelineForRetire } from './editPipelineForRetire';

const locators = createDefaultLocatorRegistry();
const parse = (text: string) =>
  parsePipeline(text, 'gitops-pipeline.yaml', locators);
const retire = (environment: string, service?: string) =>
  editPipelineForRetire({
    text: COMMENTED,
    file: 'gitops-pipeline.yaml',
    environment,
    service,
  });

/** Lines of `before` missing from `after` (in order). */
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

describe('editPipelineForRetire', () => {
  it('takes a parallel environment out of its flow list and removes its entry, nothing else', () => {
    const edited = retire('prod-eu');
    expect(removedLines(COMMENTED, edited)).toEqual([
      '      environments: [prod-us, prod-eu] # parallel',
      '    prod-eu:',
      '      cluster: prod-eu-cluster',
      '      namespace: shop',
    ]);
    expect(edited).toContain('      environments: [prod-us] # parallel\n');
    expect(edited).toContain('    # prod-asia is coming in Q3.');
    const parsed = parse(edited);
    expect(parsed.fileError).toBeNull();
    expect(parsed.definition!.environments.map(e => e.name)).toEqual([
      'dev',
      'staging',
      'prod-us',
    ]);
  });

  it("removes a stage that held only that environment, its entry and every service's override for it", () => {
    const edited = retire('staging');
    const parsed = parse(edited);
    expect(parsed.fileError).toBeNull();
    expect(parsed.environmentErrors).toEqual({});
    expect(parsed.definition!.stages.map(s => s.name)).toEqual(['dev', 'prod']);
    expect(edited).not.toMatch(/staging:|- staging|search-staging/);
    // billing's only override was for staging: its environments key went too.
    expect(edited).toContain(
      '      locator:\n        type: container-image\n\n# end of file',
    );
    // Comments outside what was removed stay, blank lines included.
    expect(edited).toContain('    # Production, three regions at once.');
    expect(edited).toContain('      environments: [dev] # one environment\n\n');
  });

  it('disables one service in an environment and leaves the rest alone', () => {
    const edited = retire('prod-us', 'cart');
    expect(removedLines(COMMENTED, edited)).toEqual([]);
    expect(edited).toContain(
      '        image: ghcr.io/acme/cart\n      environments:\n        prod-us:\n          enabled: false\n',
    );
    const parsed = parse(edited);
    expect(parsed.services.cart['prod-us']).toBeUndefined();
    expect(parsed.services.cart['prod-eu']).toBeDefined();
  });

  it("replaces a service's override with enabled: false when it disables it there", () => {
    const edited = retire('staging', 'search');
    // The override goes whole, the comment inside it included.
    expect(removedLines(COMMENTED, edited)).toEqual([
      '          # staging keeps its values elsewhere',
      '          path: legacy/search-staging/values.yaml',
    ]);
    expect(parse(edited).services.search.staging).toBeUndefined();
    expect(edited).toContain('        staging:\n          enabled: false\n');
  });
});
