import fs from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { mockServices } from '@backstage/backend-test-utils';
import { createGitopsEnvironmentCreateAction } from './createGitopsEnvironmentCreateAction';

const TEMPLATES = path.resolve(__dirname, '../../../../examples/templates');

describe.each([
  ['new-environment.yaml', 'gitops-new-environment', 'New environment'],
  ['new-region.yaml', 'gitops-new-region', 'New region in a parallel stage'],
])('the example template %s', (file, name, title) => {
  const template = parse(fs.readFileSync(path.join(TEMPLATES, file), 'utf8'));

  it('is a scaffolder template whose one step runs gitops:environment:create with inputs the action knows', () => {
    expect(template).toMatchObject({
      apiVersion: 'scaffolder.backstage.io/v1beta3',
      kind: 'Template',
      metadata: { name, title },
    });
    const steps = template.spec.steps;
    expect(steps.map((s: any) => s.action)).toEqual([
      'gitops:environment:create',
    ]);
    const action = createGitopsEnvironmentCreateAction({
      discovery: mockServices.discovery(),
      auth: mockServices.auth(),
    });
    const known = Object.keys((action.schema?.input as any)?.properties ?? {});
    expect(known.length).toBeGreaterThan(0);
    expect(Object.keys(steps[0].input).filter(k => !known.includes(k))).toEqual(
      [],
    );
  });

  it('asks for every parameter the step uses', () => {
    const asked = new Set<string>();
    const collect = (props: any) =>
      Object.keys(props ?? {}).forEach(k => asked.add(k));
    for (const page of template.spec.parameters) {
      collect(page.properties);
      for (const alt of page.dependencies?.placementKind?.oneOf ?? [])
        collect(alt.properties);
    }
    const used = [
      ...JSON.stringify(template.spec.steps).matchAll(/parameters\.(\w+)/g),
    ].map(m => m[1]);
    expect(used.filter(u => !asked.has(u))).toEqual([]);
  });

  it('offers a choice wherever one exists: pickers fed by the gitops backend (or the catalog), and a preview page that must succeed before Create', () => {
    const fields = new Map<string, any>();
    const collect = (props: any) =>
      Object.entries(props ?? {}).forEach(([k, v]) => fields.set(k, v));
    for (const page of template.spec.parameters) {
      collect(page.properties);
      for (const alt of page.dependencies?.placementKind?.oneOf ?? [])
        collect(alt.properties);
    }
    const picker = (k: string) => fields.get(k)?.['ui:field'];
    expect(picker('repositoryId')).toBe('GitopsRepositoryPicker');
    expect(picker('sourceEnvironment')).toBe('GitopsEnvironmentPicker');
    const stagePickers = ['stage', 'afterStage']
      .filter(k => fields.has(k))
      .map(picker);
    expect(new Set(stagePickers)).toEqual(new Set(['GitopsStagePicker']));
    expect(picker('cluster')).toBe('GitopsClusterPicker');
    expect(picker('approverGroup')).toBe('OwnerPicker');
    const last = template.spec.parameters.at(-1);
    expect(last.required).toEqual(['reviewedBase']);
    expect(last.properties.reviewedBase['ui:field']).toBe(
      'GitopsChangePreview',
    );
    // What the step fixes, the preview fixes too: it previews the same change.
    const step = template.spec.steps[0].input;
    const fixed = last.properties.reviewedBase['ui:options'].fixed ?? {};
    expect(fixed).toEqual({
      ...(String(step.placement.kind).includes('parameters.')
        ? {}
        : { placementKind: step.placement.kind }),
      ...(typeof step.promotion.approvals === 'number'
        ? { approvals: step.promotion.approvals }
        : {}),
    });
  });

  it('links its result to the portal page that merges or closes the change, with the reviewed commit', () => {
    const links = template.spec.output.links.map((l: any) => l.url);
    expect(links).toContain(
      '/gitops/environment-change?repository=${{ parameters.repositoryId }}&branch=${{ steps.environment.output.branch }}&commit=${{ steps.environment.output.commitSha }}',
    );
  });
});
