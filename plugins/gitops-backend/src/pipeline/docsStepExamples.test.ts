import fs from 'node:fs';
import path from 'node:path';
import { createDefaultLocatorRegistry } from '../locators/VersionLocatorRegistry';
import { createDefaultStepRegistry } from '../steps';
import { TWO_STAGE_PIPELINE } from '../testing/GitRepoFixture';
import { parsePipeline } from './parsePipeline';

const DOC = path.resolve(__dirname, '../../../../docs/pipeline.md');

/** The ```yaml blocks of docs/pipeline.md that are one step (`- type: …`). */
function stepExamples(): string[] {
  const text = fs.readFileSync(DOC, 'utf8');
  return [...text.matchAll(/```yaml\n(- type: [^]*?)```/g)].map(m => m[1]);
}

describe('the step examples of docs/pipeline.md', () => {
  it('are accepted by the pipeline parser as written (keys, timeout, options)', () => {
    const examples = stepExamples();
    expect(examples.length).toBeGreaterThanOrEqual(5);
    const stepTypes = createDefaultStepRegistry({
      prometheus: { main: { url: 'http://prometheus.example.com:9090' } },
    });
    for (const example of examples) {
      const indented = example
        .trimEnd()
        .split('\n')
        .map(l => `      ${l}`)
        .join('\n');
      const yaml = TWO_STAGE_PIPELINE.replace(
        '  environments:\n    dev:',
        `  steps:\n    after:\n${indented}\n  environments:\n    dev:`,
      );
      const parsed = parsePipeline(
        yaml,
        'gitops-pipeline.yaml',
        createDefaultLocatorRegistry(),
        stepTypes,
      );
      expect({ example, error: parsed.fileError?.message ?? null }).toEqual({
        example,
        error: null,
      });
    }
  });
});
