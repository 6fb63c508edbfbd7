import { createDefaultLocatorRegistry } from '../locators/VersionLocatorRegistry';
import { TWO_STAGE_PIPELINE } from '../testing/GitRepoFixture';
import { parsePipeline } from './parsePipeline';
import type { StepTypeCatalog } from './parseSteps';
import { createDefaultStepRegistry } from '../steps/StepRegistry';

/** Two step types: `http` needs a string url; `wait-healthy` takes nothing. */
const catalog: StepTypeCatalog = {
  get: type =>
    ({
      http: {
        validateOptions: (o: any) =>
          typeof o?.url === 'string' ? undefined : 'options.url must be a URL',
      },
      'wait-healthy': { validateOptions: () => undefined },
    }[type]),
  types: () => ['http', 'wait-healthy'],
};

const locators = createDefaultLocatorRegistry();
const parse = (yaml: string) =>
  parsePipeline(yaml, 'gitops-pipeline.yaml', locators, catalog);

/** TWO_STAGE_PIPELINE with `block` under spec (defaults) and `own` under staging. */
function pipeline(block = '', own = ''): string {
  let text = TWO_STAGE_PIPELINE;
  if (block)
    text = text.replace(
      '  environments:\n    dev:',
      `${block}  environments:\n    dev:`,
    );
  if (own)
    text = text.replace(
      '    staging:\n      cluster: staging-cluster\n',
      `    staging:\n      cluster: staging-cluster\n${own}`,
    );
  return text;
}

const envOf = (yaml: string, name: string) =>
  parse(yaml).definition!.environments.find(e => e.name === name)!;

describe('pipeline steps', () => {
  it('applies spec.steps to every environment; an environment replaces a phase with its own', () => {
    const yaml = pipeline(
      '  steps:\n    after:\n      - type: wait-healthy\n        timeout: 5m\n',
      '      steps:\n        after:\n          - type: wait-healthy\n          - type: http\n            name: smoke\n            when: always\n            options:\n              url: "{environment.url}/healthz"\n',
    );
    expect(parse(yaml).fileError).toBeNull();
    expect(envOf(yaml, 'dev').steps).toEqual({
      before: [],
      after: [
        {
          type: 'wait-healthy',
          name: 'wait-healthy',
          when: 'onSuccess',
          timeoutSeconds: 300,
          options: {},
        },
      ],
    });
    expect(
      envOf(yaml, 'staging').steps!.after.map(s => [s.name, s.when]),
    ).toEqual([
      ['wait-healthy', 'onSuccess'],
      ['smoke', 'always'],
    ]);
    expect(envOf(yaml, 'staging').steps!.after[1].options).toEqual({
      url: '{environment.url}/healthz',
    });
  });

  it.each([
    [
      'an unknown step type',
      '      steps:\n        after:\n          - type: chaos-monkey\n',
      /unknown step type "chaos-monkey" \(known: http, wait-healthy\)/,
    ],
    [
      'options the type refuses',
      '      steps:\n        after:\n          - type: http\n            options: { url: 42 }\n',
      /\(http http\): options\.url must be a URL/,
    ],
    [
      'a bad timeout',
      '      steps:\n        before:\n          - type: wait-healthy\n            timeout: soon\n',
      /timeout must be a duration/,
    ],
    [
      'a name used twice',
      '      steps:\n        after:\n          - type: wait-healthy\n          - type: wait-healthy\n            name: wait-healthy\n',
      /step name "wait-healthy" is used twice/,
    ],
    [
      'a setting outside options',
      '      steps:\n        after:\n          - type: http\n            url: https://x\n',
      /unknown key "url" \(known: type, name, when, timeout, options; the type's own settings go under options\)/,
    ],
    [
      'a phase that is not a list',
      '      steps:\n        after: wait-healthy\n',
      /must be a list of steps/,
    ],
    [
      'an unknown phase',
      '      steps:\n        during: []\n',
      /unknown key "during"/,
    ],
  ])(
    'refuses %s in an environment with file:line, so writes to it are blocked (never skipped)',
    (_what, own, message) => {
      const parsed = parse(pipeline('', own));
      const error = parsed.environmentErrors.staging;
      expect(error).toMatchObject({
        file: 'gitops-pipeline.yaml',
        line: expect.any(Number),
        message: expect.stringMatching(message),
      });
      // The environment is listed without any steps: nothing runs unverified.
      expect(envOf(pipeline('', own), 'staging').steps).toBeUndefined();
      expect(parsed.environmentErrors.dev).toBeUndefined();
    },
  );

  it('refuses broken default steps as an error of the whole file', () => {
    const parsed = parse(
      pipeline('  steps:\n    after:\n      - type: nope\n'),
    );
    expect(parsed.definition).toBeNull();
    expect(parsed.fileError).toMatchObject({
      line: expect.any(Number),
      message: expect.stringMatching(
        /in spec\.steps\.after\[0\]: unknown step type "nope"/,
      ),
    });
  });

  it('reads what a failed verification does, and refuses anything else', () => {
    const good = pipeline(
      '',
      '      promotion:\n        onFailedVerification: rollback\n        verificationWindow: 30m\n',
    );
    expect(envOf(good, 'staging').promotion).toMatchObject({
      onFailedVerification: 'rollback',
      verificationWindowSeconds: 1800,
    });
    const bad = parse(
      pipeline('', '      promotion:\n        onFailedVerification: panic\n'),
    );
    expect(bad.environmentErrors.staging.message).toMatch(
      /onFailedVerification/,
    );
  });
});

describe('pipeline steps with the built-in step types', () => {
  const builtIn = createDefaultStepRegistry({
    prometheus: { main: { url: 'https://prometheus.example.com' } },
  });
  const parseReal = (yaml: string) =>
    parsePipeline(yaml, 'gitops-pipeline.yaml', locators, builtIn);
  const stagingLine = TWO_STAGE_PIPELINE.split('\n').indexOf('    staging:');

  it.each([
    [
      'an unknown type',
      '          - type: smoke-test\n',
      /unknown step type "smoke-test" \(known: checks, http, notify, prometheus, wait-healthy, webhook\)/,
    ],
    [
      'a bad URL',
      '          - type: http\n            options: { url: "not a url" }\n',
      /options\.url/,
    ],
    [
      'a PromQL query that is not a string',
      '          - type: prometheus\n            options: { server: main, query: [1, 2], successCondition: "value < 0.01" }\n',
      /options\.query/,
    ],
    [
      'an expression that does not parse',
      '          - type: http\n            options: { url: "https://shop.example.com/healthz", successCondition: "body.status == == \'ok\'" }\n',
      /successCondition/,
    ],
  ])(
    'refuses %s at its file:line as an error of that environment (the error that blocks its writes), the others unaffected',
    (_what, step, message) => {
      const parsed = parseReal(
        pipeline('', `      steps:\n        after:\n${step}`),
      );
      expect(parsed.environmentErrors.staging).toEqual({
        file: 'gitops-pipeline.yaml',
        // the step's own line: 3 lines below "staging:" (cluster, steps, after)
        line: stagingLine + 5,
        message: expect.stringMatching(message),
      });
      expect(parsed.environmentErrors.dev).toBeUndefined();
    },
  );
});
