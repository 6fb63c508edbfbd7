import { createDefaultLocatorRegistry } from '../locators';
import { parsePipeline } from '../pipeline/parsePipeline';
import { POLICY_PIPELINE } from '../promotion/__testUtils__/WritePathHarness';
import { COMMENTED } from './__fixtures__/commentedPipeline';
import { editPipelineFile } from './editPipelineFile';
import { editPipelineForService } from './editPipelineForService';

const locators = createDefaultLocatorRegistry();
const FILE = 'gitops-pipeline.yaml';
const parse = (text: string) => parsePipeline(text, FILE, locators);

/** Line feeds not preceded by a carriage return. */
const bareLineFeeds = (text: string) => (text.match(/(?<!\r)\n/g) ?? []).length;

/**
 * Hostile or merely Windows-made YAML (attack review): the
 * comment-preserving edits promise that nothing else of the file changes,
 * line endings included; names that differ only by case are one name to
 * the catalog and to most permission policies.
 */
describe('pipeline files under attack', () => {
  const crlf = COMMENTED.replace(/\n/g, '\r\n');

  it('adding an environment to a CRLF pipeline file writes its new lines with CRLF too (no mixed line endings)', () => {
    expect(bareLineFeeds(crlf)).toBe(0);
    const edited = editPipelineFile({
      text: crlf,
      file: FILE,
      parsed: parse(crlf),
      request: {
        name: 'perf',
        placement: { kind: 'after-stage', after: 'staging' },
        sourceEnvironment: 'staging',
        cluster: 'staging-cluster',
        namespace: 'shop-perf',
      } as any,
    });
    expect(edited).toContain('perf');
    expect(bareLineFeeds(edited)).toBe(0);
  });

  it('adding a service to a CRLF pipeline file keeps CRLF line endings', () => {
    const edited = editPipelineForService({
      text: crlf,
      file: FILE,
      request: {
        service: 'payments',
        path: 'apps/payments/{environment}/kustomization.yaml',
        locator: { type: 'kustomize-image', image: 'ghcr.io/acme/payments' },
        environments: ['dev', 'staging'],
      } as any,
      allEnvironments: ['dev', 'staging', 'prod-us', 'prod-eu'],
    });
    expect(edited).toContain('payments');
    expect(bareLineFeeds(edited)).toBe(0);
  });

  it('refuses an environment whose name differs from another only by case (Prod-US beside prod-us: one catalog entity, one policy name)', () => {
    const text = POLICY_PIPELINE.replace(
      '      environments: [dev]\n',
      '      environments: [dev, Prod-US]\n',
    ).replace(
      '  services:\n',
      '    Prod-US:\n      cluster: prod-us-cluster\n      promotion:\n        mode: direct\n  services:\n',
    );
    const parsed = parse(text);
    expect(
      parsed.fileError ?? parsed.environmentErrors['Prod-US'],
    ).toMatchObject({ message: expect.stringMatching(/prod-us/i) });
  });
});
