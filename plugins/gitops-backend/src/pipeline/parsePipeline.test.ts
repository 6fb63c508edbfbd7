import { createDefaultLocatorRegistry } from '../locators/VersionLocatorRegistry';
import { checkManifestPath, parsePipeline } from './parsePipeline';
import type { ParsedPipeline, ServiceEnvironmentSpec } from './types';

/** 1-based line of the first occurrence of `needle` in `text`. */
function lineOf(text: string, needle: string): number {
  const at = text.indexOf(needle);
  if (at < 0) throw new Error(`fixture has no ${needle}`);
  return text.slice(0, at).split('\n').length;
}

/** Replaces one exact, unique fragment of the fixture (fails loudly otherwise). */
function edit(text: string, from: string, to: string): string {
  if (text.split(from).length !== 2)
    throw new Error(`fragment not unique: ${from}`);
  return text.replace(from, to);
}

const FILE = 'gitops-pipeline.yaml';
const registry = createDefaultLocatorRegistry();
const parse = (content: string) => parsePipeline(content, FILE, registry);

const PIPELINE = `# Promotion pipeline of the guestbook GitOps repository.
apiVersion: gitops2.io/v1alpha1
kind: Pipeline
metadata:
  name: guestbook              # shown in the UI
  annotations:
    owner: team-guestbook
spec:
  # Environments of one stage are promoted together.
  stages:
    - name: dev
      environments: [dev]
    - name: qa
      environments: [qa]
    - name: staging
      environments:
        - staging
    - name: prod
      environments: [prod-us, prod-eu]

  environments:
    dev:
      cluster: dev-cluster
      namespace: guestbook-dev
      url: https://dev.guestbook.example.com
    qa:
      cluster: dev-cluster
      namespace: guestbook-qa
    staging:
      cluster: staging-cluster
      namespace: guestbook
      url: http://staging.guestbook.internal:8080/
    prod-us: &prod
      cluster: prod-us-cluster
      namespace: guestbook
      url: https://us.guestbook.example.com
    prod-eu:
      <<: *prod
      cluster: prod-eu-cluster
      url: https://eu.guestbook.example.com

  services:
    guestbook-ui:
      path: apps/guestbook-ui/overlays/{environment}/kustomization.yaml
      locator:
        type: kustomize-image
        image: ghcr.io/acme/guestbook-ui
      environments:
        prod-eu:
          path: apps/guestbook-ui/overlays/prod-eu-west/kustomization.yaml
    guestbook-api:
      path: charts/{service}/values-{environment}.yaml
      locator: &helm-tag
        type: helm-values
        path: image.tag
      environments:
        qa: { enabled: false }   # not deployed to qa
    redis:
      path: infra/redis/{environment}.yml
      locator:
        type: container-image
        container: redis
    guestbook-worker:
      # Only in staging and prod, through Argo CD Applications.
      enabled: false
      path: argocd/{environment}/worker.yaml
      locator:
        type: argocd-application
        field: helm-parameter
        parameter: image.tag
        application: "{service}-{environment}"
      environments:
        staging: {enabled: true}
        prod-us: {enabled: true}
        prod-eu:
          enabled: true
          locator:
            application: guestbook-worker-eu
`;

const ENVS = ['dev', 'qa', 'staging', 'prod-us', 'prod-eu'];

function spec(
  service: string,
  environment: string,
  path: string,
  type: string,
  options: Record<string, unknown>,
): ServiceEnvironmentSpec {
  return { service, environment, path, locator: { type, options } };
}

const DEFINITION = {
  name: 'guestbook',
  stages: [
    { name: 'dev', environments: ['dev'] },
    { name: 'qa', environments: ['qa'] },
    { name: 'staging', environments: ['staging'] },
    { name: 'prod', environments: ['prod-us', 'prod-eu'] },
  ],
  environments: [
    {
      name: 'dev',
      stage: 'dev',
      stageIndex: 0,
      cluster: 'dev-cluster',
      namespace: 'guestbook-dev',
      url: 'https://dev.guestbook.example.com',
    },
    {
      name: 'qa',
      stage: 'qa',
      stageIndex: 1,
      cluster: 'dev-cluster',
      namespace: 'guestbook-qa',
    },
    {
      name: 'staging',
      stage: 'staging',
      stageIndex: 2,
      cluster: 'staging-cluster',
      namespace: 'guestbook',
      url: 'http://staging.guestbook.internal:8080/',
    },
    {
      name: 'prod-us',
      stage: 'prod',
      stageIndex: 3,
      cluster: 'prod-us-cluster',
      namespace: 'guestbook',
      url: 'https://us.guestbook.example.com',
    },
    {
      name: 'prod-eu',
      stage: 'prod',
      stageIndex: 3,
      cluster: 'prod-eu-cluster',
      namespace: 'guestbook',
      url: 'https://eu.guestbook.example.com',
    },
  ],
};

/** Expects a file error: no definition, no services, the error with its line. */
function expectFileError(
  content: string,
  message: string | RegExp,
  line: number,
) {
  const result = parse(content);
  expect(result).toEqual({
    definition: null,
    services: {},
    environmentErrors: {},
    fileError: {
      message:
        typeof message === 'string' ? message : expect.stringMatching(message),
      file: FILE,
      line,
    },
  });
}

describe('parsePipeline', () => {
  it('parses a realistic pipeline: stages, environments, services, defaults and overrides', () => {
    const ui = (env: string, dir = env) =>
      spec(
        'guestbook-ui',
        env,
        `apps/guestbook-ui/overlays/${dir}/kustomization.yaml`,
        'kustomize-image',
        {
          image: 'ghcr.io/acme/guestbook-ui',
        },
      );
    const api = (env: string) =>
      spec(
        'guestbook-api',
        env,
        `charts/guestbook-api/values-${env}.yaml`,
        'helm-values',
        { path: 'image.tag' },
      );
    const redis = (env: string) =>
      spec('redis', env, `infra/redis/${env}.yml`, 'container-image', {
        container: 'redis',
      });
    const worker = (env: string, application: string) =>
      spec(
        'guestbook-worker',
        env,
        `argocd/${env}/worker.yaml`,
        'argocd-application',
        {
          field: 'helm-parameter',
          parameter: 'image.tag',
          application,
        },
      );

    expect(parse(PIPELINE)).toEqual<ParsedPipeline>({
      definition: DEFINITION,
      services: {
        'guestbook-ui': {
          dev: ui('dev'),
          qa: ui('qa'),
          staging: ui('staging'),
          'prod-us': ui('prod-us'),
          'prod-eu': ui('prod-eu', 'prod-eu-west'),
        },
        'guestbook-api': {
          dev: api('dev'),
          staging: api('staging'),
          'prod-us': api('prod-us'),
          'prod-eu': api('prod-eu'),
        },
        redis: Object.fromEntries(ENVS.map(env => [env, redis(env)])),
        'guestbook-worker': {
          staging: worker('staging', 'guestbook-worker-staging'),
          'prod-us': worker('prod-us', 'guestbook-worker-prod-us'),
          'prod-eu': worker('prod-eu', 'guestbook-worker-eu'),
        },
      },
      environmentErrors: {},
      fileError: null,
    });
  });

  it('accepts the example of docs/pipeline.md shape with environments without details', () => {
    const content = `apiVersion: gitops2.io/v1alpha1
kind: Pipeline
metadata: {name: tiny}
spec:
  stages: [{name: only, environments: [dev]}]
  environments:
    dev:
`;
    expect(parse(content)).toEqual({
      definition: {
        name: 'tiny',
        stages: [{ name: 'only', environments: ['dev'] }],
        environments: [{ name: 'dev', stage: 'only', stageIndex: 0 }],
      },
      services: {},
      environmentErrors: {},
      fileError: null,
    });
  });

  describe('file errors (definition: null)', () => {
    it('reports a YAML syntax error with its line', () => {
      expectFileError(
        edit(PIPELINE, '    - name: qa\n', '    - name: qa: x\n'),
        'invalid YAML: nested mappings are not allowed in compact mappings',
        lineOf(PIPELINE, '- name: qa'),
      );
      expectFileError(
        edit(
          PIPELINE,
          '      environments: [prod-us, prod-eu]',
          '      environments: [prod-us, prod-eu',
        ),
        /^invalid YAML: /,
        lineOf(PIPELINE, '  environments:\n    dev:'),
      );
    });

    it('reports a duplicate key and an unresolved alias as YAML errors', () => {
      expectFileError(
        edit(
          PIPELINE,
          '      namespace: guestbook-qa\n',
          '      namespace: guestbook-qa\n      namespace: qa\n',
        ),
        'invalid YAML: map keys must be unique',
        lineOf(PIPELINE, '      namespace: guestbook-qa') + 1,
      );
      expectFileError(
        edit(PIPELINE, '<<: *prod', '<<: *production'),
        'invalid YAML: unresolved alias *production (the anchor must be set before the alias)',
        lineOf(PIPELINE, '<<: *prod'),
      );
    });

    it('refuses a file with more services or environments than the bounds (5000 services, 200 environments)', () => {
      const services = Array.from(
        { length: 5001 },
        (_, i) =>
          `    s${i}:\n      path: apps/s${i}/{environment}/kustomization.yaml\n      locator: {type: kustomize-image, image: ghcr.io/acme/s${i}}\n`,
      ).join('');
      const many = `apiVersion: gitops2.io/v1alpha1
kind: Pipeline
metadata:
  name: big
spec:
  stages: [{name: only, environments: [dev]}]
  environments:
    dev: {}
  services:
${services}`;
      expectFileError(
        many,
        "spec.services has 5001 services; at most 5000 (split the repository's pipeline)",
        lineOf(many, '  services:'),
      );
      // A merge key is one pair of the map but stands for all it merges.
      const merged = `apiVersion: gitops2.io/v1alpha1
kind: Pipeline
metadata:
  name: big
spec:
  stages: [{name: only, environments: [dev]}]
  environments:
    dev: {}
  services:
    <<: {${Array.from(
      { length: 5001 },
      (_, i) =>
        `s${i}: {path: 'apps/s${i}/{environment}/k.yaml', locator: {type: kustomize-image, image: i}}`,
    ).join(', ')}}
`;
      expectFileError(
        merged,
        "spec.services has 5001 services; at most 5000 (split the repository's pipeline)",
        lineOf(merged, '  services:'),
      );
      const envs = Array.from(
        { length: 201 },
        (_, i) => `    e${i}: {}\n`,
      ).join('');
      const wide = `apiVersion: gitops2.io/v1alpha1
kind: Pipeline
metadata:
  name: wide
spec:
  stages: [{name: only, environments: [e0]}]
  environments:
${envs}`;
      expectFileError(
        wide,
        'spec.environments has 201 environments; at most 200',
        lineOf(wide, '  environments:'),
      );
    });

    it('requires apiVersion gitops2.io/v1alpha1 and kind Pipeline', () => {
      expectFileError(
        edit(
          PIPELINE,
          'apiVersion: gitops2.io/v1alpha1',
          'apiVersion: gitops2.io/v1',
        ),
        'apiVersion must be "gitops2.io/v1alpha1" (found: "gitops2.io/v1")',
        2,
      );
      expectFileError(
        edit(PIPELINE, 'apiVersion: gitops2.io/v1alpha1\n', ''),
        'apiVersion is missing (expected "gitops2.io/v1alpha1")',
        2,
      );
      expectFileError(
        edit(PIPELINE, 'kind: Pipeline', 'kind: Kustomization'),
        'kind must be "Pipeline" (found: "Kustomization")',
        3,
      );
      expectFileError(
        edit(PIPELINE, 'kind: Pipeline', 'kind: [Pipeline]'),
        'kind must be "Pipeline" (found: a list)',
        3,
      );
    });

    it('refuses empty files, several documents and non-map documents', () => {
      expectFileError(
        '# nothing yet\n',
        'the pipeline file is empty (expected apiVersion: gitops2.io/v1alpha1, kind: Pipeline)',
        1,
      );
      // PIPELINE ends with a newline, so the `---` is on the line after its last one.
      expectFileError(
        `${PIPELINE}---\nkind: Other\n`,
        'the pipeline file holds 2 YAML documents; expected exactly one',
        PIPELINE.split('\n').length,
      );
      expectFileError(
        '# list\n- a\n- b\n',
        'the pipeline file must be a map with apiVersion, kind, metadata and spec (found a list)',
        2,
      );
    });

    it('refuses unknown keys at the top level and in spec', () => {
      expectFileError(
        edit(PIPELINE, 'metadata:\n', 'status: {}\nmetadata:\n'),
        'unknown key "status" at the top level (expected: apiVersion, kind, metadata, spec)',
        4,
      );
      expectFileError(
        edit(PIPELINE, '  services:\n', '  servcies:\n'),
        'unknown key "servcies" in spec (expected: stages, environments, services, steps)',
        lineOf(PIPELINE, '  services:'),
      );
    });

    it('requires metadata.name', () => {
      expectFileError(
        edit(
          PIPELINE,
          '  name: guestbook              # shown in the UI\n',
          '',
        ),
        'metadata.name is missing (the pipeline name shown in the UI)',
        lineOf(PIPELINE, 'metadata:'),
      );
      expectFileError(
        edit(PIPELINE, '  name: guestbook ', '  name: "" '),
        'metadata.name must be a non-empty string (found a string)',
        lineOf(PIPELINE, 'name: guestbook'),
      );
    });

    it('requires at least one stage, each with a valid unique name and environments', () => {
      const stages = PIPELINE.slice(
        PIPELINE.indexOf('  stages:'),
        PIPELINE.indexOf('\n  environments:\n') + 1,
      );
      const withStages = (s: string) => edit(PIPELINE, stages, s);
      const line = lineOf(PIPELINE, '  stages:');
      expectFileError(
        withStages(''),
        'spec.stages is missing: list the promotion stages in order',
        lineOf(PIPELINE, 'spec:'),
      );
      expectFileError(
        withStages('  stages: []\n'),
        'spec.stages is empty: a pipeline needs at least one stage',
        line,
      );
      expectFileError(
        withStages('  stages: {dev: [dev]}\n'),
        'spec.stages must be a list (found a map)',
        line,
      );
      expectFileError(
        withStages('  stages:\n    - dev\n'),
        'spec.stages[0] must be a map with name and environments (found a string)',
        line + 1,
      );
      expectFileError(
        withStages('  stages:\n    - environments: [dev]\n'),
        'spec.stages[0] has no name',
        line + 1,
      );
      expectFileError(
        withStages(
          '  stages:\n    - name: dev\n      environments: [dev]\n      gate: manual\n',
        ),
        'unknown key "gate" in spec.stages[0] (expected: name, environments)',
        line + 3,
      );
      expectFileError(
        withStages('  stages:\n    - name: -dev\n      environments: [dev]\n'),
        'stage name "-dev" must be 1-63 letters, digits, ".", "_" or "-", starting and ending with a letter or digit',
        line + 1,
      );
      expectFileError(
        withStages(
          '  stages:\n    - name: dev\n      environments: [dev]\n    - name: dev\n      environments: [qa]\n',
        ),
        'stage "dev" is defined twice (first at line 11)',
        line + 3,
      );
      expectFileError(
        withStages('  stages:\n    - name: dev\n      environments: []\n'),
        'stage "dev" has no environments: a stage needs at least one',
        line + 2,
      );
      expectFileError(
        withStages('  stages:\n    - name: dev\n'),
        'stage "dev" has no environments: a stage needs at least one',
        line + 1,
      );
      expectFileError(
        withStages(
          '  stages:\n    - name: dev\n      environments: [dev, "dev env"]\n',
        ),
        'environment name "dev env" in stage "dev" must be 1-63 letters, digits, ".", "_" or "-", starting and ending with a letter or digit',
        line + 2,
      );
    });

    it('requires spec.environments to be a map', () => {
      const envs = PIPELINE.slice(
        PIPELINE.indexOf('  environments:\n    dev:'),
        PIPELINE.indexOf('  services:'),
      );
      expectFileError(
        edit(PIPELINE, envs, ''),
        "spec.environments is missing: give each environment's cluster, namespace and url",
        lineOf(PIPELINE, 'spec:'),
      );
      expectFileError(
        edit(PIPELINE, envs, '  environments: [dev]\n'),
        'spec.environments must be a map (found a list)',
        lineOf(PIPELINE, '  environments:\n    dev:'),
      );
    });

    it('requires spec.services to be a map when present', () => {
      const services = PIPELINE.slice(PIPELINE.indexOf('  services:'));
      expectFileError(
        edit(PIPELINE, services, '  services: [guestbook-ui]\n'),
        'spec.services must be a map (found a list)',
        lineOf(PIPELINE, '  services:'),
      );
      expect(parse(edit(PIPELINE, services, '  services:\n'))).toMatchObject({
        definition: DEFINITION,
        services: {},
        fileError: null,
      });
    });
  });

  describe('environment errors (only that environment)', () => {
    /** Parses, expects exactly these environment errors, and the others fine. */
    function expectEnvError(
      content: string,
      env: string,
      message: string,
      line: number,
    ) {
      const result = parse(content);
      expect(result.fileError).toBeNull();
      expect(result.environmentErrors).toEqual({
        [env]: { message, file: FILE, line },
      });
      // Services are still resolved everywhere, so that their history survives the error.
      for (const other of ENVS) {
        expect(result.services.redis[other]).toMatchObject({
          environment: other,
        });
      }
      return result;
    }

    it('refuses a url that is not http(s)', () => {
      for (const url of [
        // eslint-disable-next-line no-script-url
        'javascript:alert(1)',
        'ftp://dev.example.com',
        'not a url',
        'data:text/html,hi',
        'https://',
      ]) {
        expectEnvError(
          edit(
            PIPELINE,
            'url: https://dev.guestbook.example.com',
            `url: "${url}"`,
          ),
          'dev',
          `url of environment "dev" must be an http(s) URL (found: ${JSON.stringify(
            url,
          )})`,
          lineOf(PIPELINE, 'url: https://dev.guestbook.example.com'),
        );
      }
    });

    it('keeps a broken environment in its stage, without details, so that the UI can show its error', () => {
      const result = expectEnvError(
        edit(
          PIPELINE,
          'url: https://dev.guestbook.example.com',
          'url: javascript:alert(1)',
        ),
        'dev',
        'url of environment "dev" must be an http(s) URL (found: "javascript:alert(1)")',
        lineOf(PIPELINE, 'url: https://dev.guestbook.example.com'),
      );
      expect(result.definition?.stages).toEqual(DEFINITION.stages);
      expect(result.definition?.environments[0]).toEqual({
        name: 'dev',
        stage: 'dev',
        stageIndex: 0,
      });
      expect(result.definition?.environments.slice(1)).toEqual(
        DEFINITION.environments.slice(1),
      );
      expect(Object.keys(result.services['guestbook-ui'])).toEqual(ENVS);
    });

    it('checks namespace, cluster and unknown keys', () => {
      expectEnvError(
        edit(PIPELINE, 'namespace: guestbook-qa', 'namespace: Guestbook_QA'),
        'qa',
        'namespace of environment "qa" must be a Kubernetes namespace name: at most 63 lowercase letters, digits and "-" (found: "Guestbook_QA")',
        lineOf(PIPELINE, 'namespace: guestbook-qa'),
      );
      expectEnvError(
        edit(PIPELINE, 'cluster: staging-cluster', 'cluster: 42'),
        'staging',
        'cluster of environment "staging" must be a non-empty string (found a number)',
        lineOf(PIPELINE, 'cluster: staging-cluster'),
      );
      expectEnvError(
        edit(PIPELINE, 'cluster: staging-cluster', 'clustre: staging-cluster'),
        'staging',
        'unknown key "clustre" in environment "staging" (expected: cluster, namespace, url, promotion, steps)',
        lineOf(PIPELINE, 'cluster: staging-cluster'),
      );
      expectEnvError(
        edit(
          PIPELINE,
          '    qa:\n      cluster: dev-cluster\n      namespace: guestbook-qa\n',
          '    qa: dev-cluster\n',
        ),
        'qa',
        'environment "qa" must be a map with cluster, namespace and url (found a string)',
        lineOf(PIPELINE, '    qa:\n'),
      );
    });

    it('reports an environment of a stage without an entry, at the stage', () => {
      expectEnvError(
        edit(
          PIPELINE,
          '    qa:\n      cluster: dev-cluster\n      namespace: guestbook-qa\n',
          '',
        ),
        'qa',
        'environment "qa" (stage "qa") has no entry under spec.environments',
        lineOf(PIPELINE, 'environments: [qa]'),
      );
    });

    it('reports an environment in no stage, at its entry', () => {
      const content = edit(
        PIPELINE,
        '    qa:\n      cluster: dev-cluster\n',
        '    perf:\n      cluster: perf\n    qa:\n      cluster: dev-cluster\n',
      );
      const result = parse(content);
      expect(result.environmentErrors).toEqual({
        perf: {
          message:
            'environment "perf" is in no stage: add it to one of spec.stages',
          file: FILE,
          line: lineOf(content, 'perf:'),
        },
      });
      expect(result.definition).toEqual(DEFINITION);
      expect(Object.keys(result.services.redis)).toEqual(ENVS);
    });

    it('reports an environment in two stages, or twice in one', () => {
      expectEnvError(
        edit(
          PIPELINE,
          'environments: [prod-us, prod-eu]',
          'environments: [prod-us, prod-eu, qa]',
        ),
        'qa',
        'environment "qa" is in more than one stage ("qa", "prod"); an environment belongs to exactly one stage',
        lineOf(PIPELINE, 'environments: [prod-us, prod-eu]'),
      );
      expectEnvError(
        edit(
          PIPELINE,
          'environments: [prod-us, prod-eu]',
          'environments: [prod-us, prod-eu, prod-us]',
        ),
        'prod-us',
        'environment "prod-us" is listed twice in stage "prod"',
        lineOf(PIPELINE, 'environments: [prod-us, prod-eu]'),
      );
    });

    it('reports an invalid environment name of an entry', () => {
      const content = edit(
        PIPELINE,
        '    qa:\n      cluster: dev-cluster\n',
        '    "qa env":\n      cluster: x\n    qa:\n      cluster: dev-cluster\n',
      );
      expect(parse(content).environmentErrors).toEqual({
        'qa env': {
          message:
            'environment name "qa env" must be 1-63 letters, digits, ".", "_" or "-", starting and ending with a letter or digit',
          file: FILE,
          line: lineOf(content, '"qa env"'),
        },
      });
    });
  });

  describe('service errors (only that service, in that environment)', () => {
    /** Parses and returns the services; the definition must be intact. */
    function servicesOf(content: string) {
      const result = parse(content);
      expect(result.fileError).toBeNull();
      expect(result.definition).toEqual(DEFINITION);
      expect(result.environmentErrors).toEqual({});
      return result.services;
    }
    const err = (message: string, line: number) => ({
      error: { message, file: FILE, line },
    });

    it('checks the path of each environment after substitution', () => {
      const cases: [string, string][] = [
        [
          '../secrets/{environment}.yaml',
          'path "../secrets/dev.yaml" must stay inside the repository (found a ".." segment)',
        ],
        [
          'apps/../../{environment}.yaml',
          'path "apps/../../dev.yaml" must stay inside the repository (found a ".." segment)',
        ],
        [
          '/etc/{environment}.yaml',
          'path "/etc/dev.yaml" must be relative to the repository root (found an absolute path)',
        ],
        [
          'C:/repo/{environment}.yaml',
          'path "C:/repo/dev.yaml" must be relative to the repository root (found an absolute path)',
        ],
        [
          'infra\\\\redis\\\\{environment}.yaml',
          'path "infra\\\\redis\\\\dev.yaml" must use "/" as separator (found a backslash)',
        ],
        [
          './infra/redis/{environment}.yml',
          'path "./infra/redis/dev.yml" is not normalized (found an empty or "." segment); write "infra/redis/dev.yml"',
        ],
        [
          'infra//redis/{environment}.yml',
          'path "infra//redis/dev.yml" is not normalized (found an empty or "." segment); write "infra/redis/dev.yml"',
        ],
        [
          'infra/redis/{environment}.json',
          'path "infra/redis/dev.json" must name a YAML file ending in .yaml or .yml',
        ],
        [
          'infra/redis/{environment}',
          'path "infra/redis/dev" must name a YAML file ending in .yaml or .yml',
        ],
        [
          'infra/{env}/redis.yaml',
          'unknown placeholder "{env}" in path "infra/{env}/redis.yaml" (expected {environment} or {service})',
        ],
      ];
      for (const [path, message] of cases) {
        const content = edit(
          PIPELINE,
          'path: infra/redis/{environment}.yml',
          `path: "${path}"`,
        );
        const services = servicesOf(content);
        const line = lineOf(PIPELINE, 'path: infra/redis/');
        expect(services.redis.dev).toEqual(err(message, line));
        // Other services are untouched.
        expect(services['guestbook-ui'].dev).toMatchObject({
          path: 'apps/guestbook-ui/overlays/dev/kustomization.yaml',
        });
      }
    });

    it('marks only the environment whose override is bad', () => {
      const content = edit(
        PIPELINE,
        'path: apps/guestbook-ui/overlays/prod-eu-west/kustomization.yaml',
        'path: apps/guestbook-ui/../prod-eu-west/kustomization.yaml',
      );
      const services = servicesOf(content);
      expect(services['guestbook-ui']['prod-eu']).toEqual(
        err(
          'path "apps/guestbook-ui/../prod-eu-west/kustomization.yaml" must stay inside the repository (found a ".." segment)',
          lineOf(PIPELINE, 'overlays/prod-eu-west'),
        ),
      );
      expect(services['guestbook-ui']['prod-us']).toMatchObject({
        environment: 'prod-us',
      });
    });

    it('requires a path and a locator', () => {
      const noPath = servicesOf(
        edit(PIPELINE, '      path: infra/redis/{environment}.yml\n', ''),
      );
      expect(noPath.redis.qa).toEqual(
        err(
          'service "redis" has no path for environment "qa" (set spec.services.redis.path or spec.services.redis.environments.qa.path)',
          lineOf(PIPELINE, '    redis:'),
        ),
      );
      const badPath = servicesOf(
        edit(PIPELINE, 'path: infra/redis/{environment}.yml', 'path: [infra]'),
      );
      expect(badPath.redis.qa).toEqual(
        err(
          'path of service "redis" must be a string (found a list)',
          lineOf(PIPELINE, 'path: infra/redis'),
        ),
      );
      const noLocator = servicesOf(
        edit(
          PIPELINE,
          '      locator:\n        type: container-image\n        container: redis\n',
          '',
        ),
      );
      expect(noLocator.redis.dev).toEqual(
        err(
          'service "redis" has no locator for environment "dev"',
          lineOf(PIPELINE, '    redis:'),
        ),
      );
      const scalarLocator = servicesOf(
        edit(
          PIPELINE,
          '      locator:\n        type: container-image\n        container: redis\n',
          '      locator: container-image\n',
        ),
      );
      expect(scalarLocator.redis.dev).toEqual(
        err(
          'locator of service "redis" must be a map with type and options (found a string)',
          lineOf(PIPELINE, 'type: container-image') - 1,
        ),
      );
    });

    it('requires a registered locator type', () => {
      const services = servicesOf(
        edit(PIPELINE, 'type: container-image', 'type: container-tag'),
      );
      expect(services.redis['prod-eu']).toEqual(
        err(
          'unknown locator type "container-tag" (known: argocd-application, container-image, helm-values, kustomize-image)',
          lineOf(PIPELINE, 'type: container-image'),
        ),
      );
      const noType = servicesOf(
        edit(PIPELINE, '        type: container-image\n', ''),
      );
      expect(noType.redis.dev).toEqual(
        err(
          'locator of service "redis" has no type (known: argocd-application, container-image, helm-values, kustomize-image)',
          lineOf(PIPELINE, 'type: container-image') - 1,
        ),
      );
    });

    it('validates the locator options', () => {
      const services = servicesOf(
        edit(PIPELINE, '        image: ghcr.io/acme/guestbook-ui\n', ''),
      );
      expect(services['guestbook-ui'].dev).toEqual(
        err(
          'invalid kustomize-image locator of service "guestbook-ui": option "image" is required: the images[].name to match',
          lineOf(PIPELINE, 'type: kustomize-image'),
        ),
      );
      const typo = servicesOf(
        edit(PIPELINE, 'parameter: image.tag', 'param: image.tag'),
      );
      expect(typo['guestbook-worker'].staging).toEqual(
        err(
          'invalid argocd-application locator of service "guestbook-worker": unknown option "param" (expected: field, parameter, application)',
          lineOf(PIPELINE, 'type: argocd-application'),
        ),
      );
      // The prod-eu override is where the locator options come from there.
      expect(typo['guestbook-worker']['prod-eu']).toEqual(
        err(
          'invalid argocd-application locator of service "guestbook-worker": unknown option "param" (expected: field, parameter, application)',
          lineOf(PIPELINE, 'application: guestbook-worker-eu'),
        ),
      );
    });

    it('replaces the default locator options when an override names another type', () => {
      const content = edit(
        PIPELINE,
        '          path: apps/guestbook-ui/overlays/prod-eu-west/kustomization.yaml\n',
        '          path: apps/guestbook-ui/prod-eu/deployment.yaml\n          locator: {type: container-image, container: ui}\n',
      );
      expect(servicesOf(content)['guestbook-ui']['prod-eu']).toEqual(
        spec(
          'guestbook-ui',
          'prod-eu',
          'apps/guestbook-ui/prod-eu/deployment.yaml',
          'container-image',
          { container: 'ui' },
        ),
      );
    });

    it('reuses locators through anchors', () => {
      const content = edit(
        PIPELINE,
        '      locator:\n        type: container-image\n        container: redis\n',
        '      locator: *helm-tag\n',
      );
      expect(servicesOf(content).redis.dev).toEqual(
        spec('redis', 'dev', 'infra/redis/dev.yml', 'helm-values', {
          path: 'image.tag',
        }),
      );
    });

    it('checks enabled', () => {
      const services = servicesOf(
        edit(PIPELINE, 'qa: { enabled: false }', 'qa: { enabled: "no" }'),
      );
      expect(services['guestbook-api'].qa).toEqual(
        err(
          'enabled of service "guestbook-api" must be true or false (found a string)',
          lineOf(PIPELINE, 'qa: { enabled'),
        ),
      );
    });

    it('reports settings for an environment that is not in the pipeline, under that name', () => {
      const services = servicesOf(
        edit(PIPELINE, 'qa: { enabled: false }', 'qa2: { enabled: false }'),
      );
      expect(services['guestbook-api'].qa2).toEqual(
        err(
          'service "guestbook-api" has settings for environment "qa2", which is not in the pipeline (known: "dev", "qa", "staging", "prod-us", "prod-eu")',
          lineOf(PIPELINE, 'qa: { enabled'),
        ),
      );
      expect(services['guestbook-api'].qa).toMatchObject({
        path: 'charts/guestbook-api/values-qa.yaml',
      });
    });

    it('marks every environment of a broken service entry', () => {
      const unknownKey = servicesOf(
        edit(
          PIPELINE,
          '      path: infra/redis/{environment}.yml',
          '      pth: infra/redis/{environment}.yml',
        ),
      );
      const message =
        'unknown key "pth" in service "redis" (expected: path, locator, enabled, environments)';
      expect(unknownKey.redis).toEqual(
        Object.fromEntries(
          ENVS.map(env => [
            env,
            err(message, lineOf(PIPELINE, 'path: infra/redis')),
          ]),
        ),
      );
      expect(Object.keys(unknownKey['guestbook-ui'])).toEqual(ENVS);

      const notMap = servicesOf(
        edit(
          PIPELINE,
          '    redis:\n      path: infra/redis/{environment}.yml\n      locator:\n        type: container-image\n        container: redis\n',
          '    redis: infra/redis\n',
        ),
      );
      expect(notMap.redis.dev).toEqual(
        err(
          'service "redis" must be a map with path and locator (found a string)',
          lineOf(PIPELINE, '    redis:'),
        ),
      );
      const badName = servicesOf(
        edit(PIPELINE, '    redis:\n', '    redis_:\n'),
      );
      expect(badName.redis_['prod-us']).toEqual(
        err(
          'service name "redis_" must be 1-63 letters, digits, ".", "_" or "-", starting and ending with a letter or digit',
          lineOf(PIPELINE, '    redis:'),
        ),
      );
    });

    it('reports bad override entries in that environment only', () => {
      const services = servicesOf(
        edit(
          PIPELINE,
          '          path: apps/guestbook-ui/overlays/prod-eu-west/kustomization.yaml',
          '          image: ghcr.io/acme/ui-eu',
        ),
      );
      expect(services['guestbook-ui']['prod-eu']).toEqual(
        err(
          'unknown key "image" in service "guestbook-ui", environment "prod-eu" (expected: path, locator, enabled)',
          lineOf(PIPELINE, 'overlays/prod-eu-west'),
        ),
      );
      expect(services['guestbook-ui']['prod-us']).toMatchObject({
        environment: 'prod-us',
      });
      const notMap = servicesOf(
        edit(PIPELINE, 'qa: { enabled: false }', 'qa: false'),
      );
      expect(notMap['guestbook-api'].qa).toEqual(
        err(
          'settings of service "guestbook-api" for environment "qa" must be a map (found a boolean)',
          lineOf(PIPELINE, 'qa: { enabled'),
        ),
      );
    });
  });

  it('reports a locator whose validateOptions throws on that service only', () => {
    const custom = createDefaultLocatorRegistry().register({
      type: 'flaky',
      validateOptions: () => {
        throw new Error('boom');
      },
      read: () => ({ ok: false, error: { message: 'unused' } }),
      write: () => ({ ok: false, error: { message: 'unused' } }),
    });
    const content = edit(PIPELINE, 'type: container-image', 'type: flaky');
    const result = parsePipeline(content, FILE, custom);
    expect(result.services.redis.dev).toEqual({
      error: {
        message:
          'invalid flaky locator of service "redis": validation failed: boom',
        file: FILE,
        line: lineOf(PIPELINE, 'type: container-image'),
      },
    });
    expect(result.services['guestbook-ui'].dev).toMatchObject({
      environment: 'dev',
    });
  });

  describe('checkManifestPath', () => {
    it('accepts normalized relative YAML paths', () => {
      expect(checkManifestPath('gitops-pipeline.yaml')).toBeUndefined();
      expect(checkManifestPath('apps/a.b/c..d/values.yml')).toBeUndefined();
    });
    it('refuses control characters and empty paths', () => {
      expect(checkManifestPath('')).toBe('path is empty');
      expect(checkManifestPath('apps/x\n.yaml')).toBe(
        'path "apps/x\\n.yaml" contains control characters',
      );
    });
  });
});
