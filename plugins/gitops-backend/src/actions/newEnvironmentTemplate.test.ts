import fs from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { mockServices } from '@backstage/backend-test-utils';
import { createGitopsEnvironmentCreateAction } from './createGitopsEnvironmentCreateAction';

const TEMPLATE = path.resolve(
  __dirname,
  '../../../../examples/templates/new-environment.yaml',
);

describe('the "New environment" example template', () => {
  const template = parse(fs.readFileSync(TEMPLATE, 'utf8'));

  it('is a scaffolder template whose one step runs gitops:environment:create with inputs the action knows', () => {
    expect(template).toMatchObject({
      apiVersion: 'scaffolder.backstage.io/v1beta3',
      kind: 'Template',
      metadata: { name: 'gitops-new-environment', title: 'New environment' },
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
