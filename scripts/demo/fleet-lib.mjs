// The demo's second GitOps repository, `fleet` (.demo/fleet): the shape of a
// real company's pipeline rather than a story. Five stages and eleven
// environments, three parallel regions in each of staging, canary and prod,
// with long names (clusters, namespaces, URLs, versions) as real ones are.
// One service, checkout-service, with no source repository: the portal
// knows its versions but not the commits behind them.
//
// The layout e2e (packages/app/e2e-tests/layout.test.ts) checks that the
// pipeline view and the dashboard fit this shape at 1280, 1440 and 1920 px.

import path from 'node:path';

const DAY = 86_400_000;
const HOUR = 3_600_000;

const REGIONS = ['us-east-1', 'eu-west-1', 'ap-southeast-2'];

/** Stages in promotion order; three regions in parallel from staging on. */
export const FLEET_STAGES = [
  { name: 'dev', environments: ['dev'] },
  { name: 'qa', environments: ['qa'] },
  ...['staging', 'canary', 'prod'].map(stage => ({
    name: stage,
    environments: REGIONS.map(r => `${stage}-${r}`),
  })),
];

export const FLEET_ENVIRONMENTS = FLEET_STAGES.flatMap(s => s.environments);
export const FLEET_SERVICE = 'checkout-service';
const SERVICE_PATH = `apps/${FLEET_SERVICE}/{environment}/values.yaml`;

const PLATFORM = {
  name: 'Platform Release Automation',
  email: 'platform-release-automation@acme.example',
  tz: '+0000',
};

/** Versions as CI builds name them: date, build number, commit. */
const VERSIONS = [
  '2026.10.02-build.4409-g3f1a2b7c',
  '2026.10.09-build.4471-g8d2e9f01',
  '2026.10.16-build.4538-gc4b7a611',
  '2026.10.23-build.4602-g5e0d3c92',
  '2026.10.30-build.4688-g0a9b8c7d',
];

function envInfo(env) {
  const region = REGIONS.find(r => env.endsWith(r));
  const stage = region ? env.slice(0, -region.length - 1) : env;
  const where = region ? `${region}.${stage}` : stage;
  return {
    cluster: `${env}-payments-platform-primary`,
    namespace: `payments-checkout-${stage}`,
    url: `https://checkout-service.${where}.payments.acme.example`,
  };
}

function renderPipeline() {
  const L = [
    'apiVersion: gitops2.io/v1alpha1',
    'kind: Pipeline',
    'metadata:',
    '  name: payments-fleet',
    'spec:',
    '  # dev -> qa -> staging (3 regions) -> canary (3 regions) -> prod (3 regions)',
    '  stages:',
  ];
  for (const s of FLEET_STAGES)
    L.push(
      `    - name: ${s.name}`,
      `      environments: [${s.environments.join(', ')}]`,
    );
  L.push('', '  environments:');
  for (const env of FLEET_ENVIRONMENTS) {
    const i = envInfo(env);
    L.push(
      `    ${env}:`,
      `      cluster: ${i.cluster}`,
      `      namespace: ${i.namespace}`,
      `      url: ${i.url}`,
    );
    // prod needs a pull request approved by a release manager (the
    // keyboard e2e promotes canary to prod and approves it).
    if (env.startsWith('prod-'))
      L.push(
        '      promotion:',
        '        approvals: 1',
        '        approverGroup: group:default/release-managers',
      );
  }
  L.push(
    '',
    '  services:',
    `    ${FLEET_SERVICE}:`,
    `      path: ${SERVICE_PATH}`,
    '      locator:',
    '        type: helm-values',
    '        path: image.tag',
    '',
  );
  return L.join('\n');
}

function renderValues(env, version) {
  return [
    `# ${FLEET_SERVICE} values for ${env}.`,
    'replicaCount: 3',
    'image:',
    `  repository: registry.acme.example/payments/${FLEET_SERVICE}`,
    `  tag: "${version}"`,
    '',
  ].join('\n');
}

/**
 * Plans the history: an initial import with every environment on the first
 * version, then each later version deployed to dev and promoted stage by
 * stage (one commit per stage, the regions together). The last commit is two
 * days before the anchor day, older than the guestbook demo's last ones.
 */
function planFleet(anchor) {
  const versionOf = new Map(FLEET_ENVIRONMENTS.map(e => [e, VERSIONS[0]]));
  const files = () => {
    const m = new Map([['gitops-pipeline.yaml', renderPipeline()]]);
    for (const env of FLEET_ENVIRONMENTS)
      m.set(
        SERVICE_PATH.replace('{environment}', env),
        renderValues(env, versionOf.get(env)),
      );
    return m;
  };
  const commits = [];
  let at = anchor - 30 * DAY + 9 * HOUR;
  const commit = message => {
    const mark = commits.length + 1;
    commits.push({
      mark,
      parents: mark > 1 ? [mark - 1] : [],
      author: PLATFORM,
      at,
      message,
      files: files(),
    });
    at += 3 * HOUR;
  };
  commit('Initial import of the payments fleet');
  // Later versions travel further: the newest is still in dev and qa.
  const reach = [5, 5, 4, 2];
  VERSIONS.slice(1).forEach((version, i) => {
    FLEET_STAGES.slice(0, reach[i]).forEach((stage, s) => {
      for (const env of stage.environments) versionOf.set(env, version);
      commit(
        s === 0
          ? `deploy ${FLEET_SERVICE} ${version} to dev`
          : `promote ${FLEET_SERVICE} ${version} to ${stage.environments.join(
              ', ',
            )}`,
      );
    });
    at += DAY;
  });
  if (at > anchor - 2 * DAY) throw new Error('fleet history ends too late');
  return { commits, versionOf };
}

/**
 * Writes `<root>/fleet`; `importCommits` is the demo's fast-import writer.
 * Returns the summary's `fleet` entry.
 */
export function buildFleet(root, anchor, importCommits) {
  const { commits, versionOf } = planFleet(anchor);
  const marks = importCommits(path.join(root, 'fleet'), commits);
  return {
    path: 'fleet',
    branch: 'main',
    head: marks.get(commits.length),
    commits: commits.length,
    pipelineFile: 'gitops-pipeline.yaml',
    stages: FLEET_STAGES,
    service: FLEET_SERVICE,
    versions: Object.fromEntries(versionOf),
  };
}
