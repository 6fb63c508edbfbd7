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
});
