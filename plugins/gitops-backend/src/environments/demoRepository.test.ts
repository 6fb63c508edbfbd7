import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { LocalGitSource } from '../git/LocalGitSource';
import { LocalGitWriter } from '../git/LocalGitWriter';
import { createDefaultLocatorRegistry } from '../locators';
import { parsePipeline } from '../pipeline/parsePipeline';
import type { PromotionRepository } from '../promotion/types';
import { createDefaultStepRegistry } from '../steps';
import { EnvironmentPlanner } from './EnvironmentPlanner';

const ROOT = path.resolve(__dirname, '../../../..');

/**
 * The two stories on the demo's own GitOps repository (scripts/demo,
 * generated into a temp dir): `perf` after staging, copied from staging, and
 * `prod-asia` beside prod-us and prod-eu.
 */
describe('new environments on the demo repository', () => {
  let dir: string;
  let repo: PromotionRepository;
  const locators = createDefaultLocatorRegistry();
  const stepTypes = createDefaultStepRegistry();
  const planner = new EnvironmentPlanner(locators, stepTypes);
  const clusters = new Set(['perf-cluster', 'prod-asia-cluster']);

  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gitops-envs-demo-'));
    fs.rmSync(dir, { recursive: true });
    execFileSync(
      process.execPath,
      [path.join(ROOT, 'scripts/demo/create-demo.mjs'), '--dir', dir],
      { encoding: 'utf8' },
    );
    const gitops = path.join(dir, 'gitops');
    repo = {
      id: 'demo',
      branch: 'main',
      pipelineFile: 'gitops-pipeline.yaml',
      source: new LocalGitSource(gitops, 'main'),
      writer: new LocalGitWriter(gitops),
    };
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('perf after staging: the pipeline edit and one manifest per service, at the versions staging runs, in the perf namespace', async () => {
    const plan = await planner.plan(
      repo,
      {
        name: 'perf',
        placement: { kind: 'after-stage', after: 'staging' },
        sourceEnvironment: 'staging',
        cluster: 'perf-cluster',
        namespace: 'guestbook-perf',
        url: 'https://perf.guestbook.example.com',
      },
      clusters,
    );
    expect(plan.mode).toBe('pull-request');
    expect(plan.files.map(f => f.path)).toEqual([
      'gitops-pipeline.yaml',
      'apps/guestbook-ui/overlays/perf/kustomization.yaml',
      'apps/guestbook-api/perf/values.yaml',
      'apps/guestbook-worker/perf/deployment.yaml',
    ]);
    const pipeline = parsePipeline(
      plan.files[0].content,
      'gitops-pipeline.yaml',
      locators,
      stepTypes,
    );
    expect(pipeline.fileError).toBeNull();
    expect(pipeline.environmentErrors).toEqual({});
    expect(pipeline.definition!.stages.map(s => s.name)).toEqual([
      'dev',
      'qa',
      'staging',
      'perf',
      'prod',
    ]);
    // The versions are staging's, read back from the new files.
    for (const s of plan.services) {
      const spec = pipeline.services[s.service].perf as any;
      const file = plan.files.find(f => f.path === s.file)!;
      const read = locators
        .get(spec.locator.type)!
        .read(file.content, file.path, spec.locator.options);
      expect(read).toMatchObject({ ok: true, version: s.version });
    }
    const [ui, , worker] = plan.files.slice(1).map(f => f.content);
    expect(parseYaml(ui).namespace).toBe('guestbook-perf');
    expect(ui).toContain('acme.example/environment: perf');
    // No value names staging any more (comments are left as written).
    const values = ui.split('\n').filter(l => !/^\s*#/.test(l));
    expect(values.filter(l => /staging/.test(l))).toEqual([]);
    expect(ui).toContain('API_URL=https://perf.guestbook.example.com/api');
    expect(worker).toContain('namespace: guestbook-perf');
  });

  it("prod-asia joins the prod stage, copied from prod-eu with the overlay's own pdb.yaml", async () => {
    const plan = await planner.plan(
      repo,
      {
        name: 'prod-asia',
        placement: { kind: 'join-stage', stage: 'prod' },
        sourceEnvironment: 'prod-eu',
        cluster: 'prod-asia-cluster',
        namespace: 'guestbook',
        promotion: {
          approvals: 1,
          approverGroup: 'group:default/release-managers',
        },
      },
      clusters,
    );
    expect(plan.files[0].content).toContain(
      '      environments: [prod-us, prod-eu, prod-asia]\n',
    );
    expect(plan.services.map(s => s.file)).toEqual([
      'apps/guestbook-ui/overlays/prod-asia/kustomization.yaml',
      'apps/guestbook-api/prod-asia/values.yaml',
      'apps/guestbook-worker/prod-asia/deployment.yaml',
    ]);
    // The overlay lists pdb.yaml beside it: copied too; ../../base is shared.
    expect(plan.files.map(f => f.path)).toContain(
      'apps/guestbook-ui/overlays/prod-asia/pdb.yaml',
    );
    expect(plan.files.map(f => f.path)).not.toContain(
      'apps/guestbook-ui/overlays/prod-asia/base',
    );
    expect(
      plan.changes.find(
        c => c.path === 'apps/guestbook-ui/overlays/prod-asia/pdb.yaml',
      ),
    ).toMatchObject({ purpose: 'manifest', service: 'guestbook-ui' });
  });
});
