import { fireEvent, screen, waitFor } from '@testing-library/react';
import { TestApiProvider, renderInTestApp } from '@backstage/test-utils';
import type { EnvironmentChange } from '@gitops2/plugin-gitops-common';
import { gitopsApiRef } from '../../api';
import {
  MockGitopsApi,
  createFakeGitopsApi,
} from '../../__testUtils__/fixtures';
import { GitopsChangePreview } from './GitopsChangePreview';
import { GitopsClusterPicker } from './GitopsClusterPicker';
import { GitopsEnvironmentPicker } from './GitopsEnvironmentPicker';
import { GitopsStagePicker } from './GitopsStagePicker';

/** The props the scaffolder's form gives a field. */
function fieldProps(
  name: string,
  formData: Record<string, unknown>,
  extra: Record<string, any> = {},
) {
  return {
    name,
    schema: { type: 'string', title: extra.title },
    uiSchema: { 'ui:options': extra.options ?? {} },
    idSchema: { $id: `root_${name}` },
    formData: formData[name],
    formContext: { formData },
    onChange: jest.fn(),
    onBlur: jest.fn(),
    onFocus: jest.fn(),
    disabled: false,
    readonly: false,
    required: true,
    rawErrors: [],
    registry: {} as any,
    ...extra.props,
  } as any;
}

async function render(api: MockGitopsApi, element: JSX.Element) {
  return renderInTestApp(
    <TestApiProvider apis={[[gitopsApiRef, api]]}>{element}</TestApiProvider>,
  );
}

const options = (select: HTMLElement) =>
  Array.from((select as HTMLSelectElement).options).map(o => o.textContent);

describe('GitOps scaffolder pickers', () => {
  it('the stage picker offers the stages of the chosen repository in promotion order, and says to choose a repository first', async () => {
    const api = createFakeGitopsApi();
    const props = fieldProps('afterStage', { repositoryId: 'demo' });
    await render(api, <GitopsStagePicker {...props} />);
    const select = await screen.findByTestId('gitops-picker-stage-afterStage');
    await waitFor(() =>
      expect(options(select)).toEqual([
        'Choose…',
        'dev',
        'staging',
        'prod (prod-us, prod-eu)',
      ]),
    );
    expect(api.getPipelineChoices).toHaveBeenCalledWith('demo');
    fireEvent.change(select, { target: { value: 'staging' } });
    expect(props.onChange).toHaveBeenCalledWith('staging');
  });

  it('without a repository nothing is offered and nothing asked', async () => {
    const api = createFakeGitopsApi();
    await render(api, <GitopsStagePicker {...fieldProps('stage', {})} />);
    expect(
      await screen.findByText('Choose a GitOps repository first'),
    ).toBeInTheDocument();
    expect(api.getPipelineChoices).not.toHaveBeenCalled();
  });

  it('the environment picker narrows to the stage named by stageField; the cluster picker names what each cluster runs', async () => {
    const api = createFakeGitopsApi();
    const data = { repositoryId: 'demo', stage: 'prod' };
    await render(
      api,
      <>
        <GitopsEnvironmentPicker
          {...fieldProps('sourceEnvironment', data, {
            options: { stageField: 'stage' },
          })}
        />
        <GitopsClusterPicker {...fieldProps('cluster', data)} />
      </>,
    );
    const env = await screen.findByTestId(
      'gitops-picker-environment-sourceEnvironment',
    );
    await waitFor(() =>
      expect(options(env)).toEqual([
        'Choose…',
        'prod-us (stage prod)',
        'prod-eu (stage prod)',
      ]),
    );
    const cluster = screen.getByTestId('gitops-picker-cluster-cluster');
    expect(options(cluster)).toContain('staging-cluster (runs staging)');
  });

  it('a value that is not among the choices is flagged', async () => {
    const api = createFakeGitopsApi();
    await render(
      api,
      <GitopsStagePicker
        {...fieldProps('stage', { repositoryId: 'demo', stage: 'qa' })}
      />,
    );
    expect(
      await screen.findByText('"qa" is not one of the choices'),
    ).toBeInTheDocument();
  });
});

describe('GitopsChangePreview', () => {
  const form = {
    repositoryId: 'demo',
    name: 'perf',
    placementKind: 'after-stage',
    afterStage: 'staging',
    sourceEnvironment: 'staging',
    cluster: 'staging-cluster',
    namespace: 'guestbook-perf',
    mode: 'pull-request',
    approvals: 0,
  };
  const change: EnvironmentChange = {
    repositoryId: 'demo',
    environment: 'perf',
    baseSha: 'c'.repeat(40),
    mode: 'pull-request',
    dryRun: true,
    services: [
      {
        service: 'guestbook-ui',
        version: '1.4.2',
        file: 'apps/ui/perf/k.yaml',
      },
    ],
    files: [
      {
        path: 'gitops-pipeline.yaml',
        purpose: 'pipeline',
        diff: '--- a/gitops-pipeline.yaml\n+++ b/gitops-pipeline.yaml\n@@ -1 +1,2 @@\n+    - name: perf\n',
      },
      {
        path: 'apps/ui/perf/k.yaml',
        purpose: 'manifest',
        service: 'guestbook-ui',
        diff: '--- /dev/null\n+++ b/apps/ui/perf/k.yaml\n@@ -0,0 +1 @@\n+newTag: 1.4.2\n',
      },
    ],
  };

  it("previews the change the template's step writes and takes its base commit as the field's value", async () => {
    const api = createFakeGitopsApi();
    api.previewEnvironment.mockResolvedValue(change);
    const props = fieldProps('preview', form);
    await render(api, <GitopsChangePreview {...props} />);
    const files = await screen.findAllByTestId('gitops-change-preview-file');
    expect(files.map(f => f.getAttribute('data-path'))).toEqual([
      'gitops-pipeline.yaml',
      'apps/ui/perf/k.yaml',
    ]);
    expect(files[0]).toHaveTextContent('+    - name: perf', {
      normalizeWhitespace: false,
    });
    expect(api.previewEnvironment).toHaveBeenCalledWith('demo', {
      name: 'perf',
      placement: { kind: 'after-stage', after: 'staging' },
      sourceEnvironment: 'staging',
      cluster: 'staging-cluster',
      namespace: 'guestbook-perf',
      promotion: { mode: 'pull-request', approvals: 0 },
    });
    await waitFor(() =>
      expect(props.onChange).toHaveBeenLastCalledWith('c'.repeat(40)),
    );
  });

  it('fixed options of the template win (new region: join the stage, one approval)', async () => {
    const api = createFakeGitopsApi();
    api.previewEnvironment.mockResolvedValue(change);
    await render(
      api,
      <GitopsChangePreview
        {...fieldProps(
          'preview',
          { ...form, name: 'prod-asia', stage: 'prod' },
          {
            options: {
              fixed: {
                placementKind: 'join-stage',
                approvals: 1,
                mode: undefined,
              },
            },
          },
        )}
      />,
    );
    await screen.findAllByTestId('gitops-change-preview-file');
    expect(api.previewEnvironment.mock.calls[0][1]).toMatchObject({
      name: 'prod-asia',
      placement: { kind: 'join-stage', stage: 'prod' },
      promotion: { approvals: 1 },
    });
  });

  it("shows the backend's refusal and leaves the field empty, so the form cannot go on", async () => {
    const api = createFakeGitopsApi();
    // What GitopsClient throws: the backend's own reason and the status.
    const refusal = new Error(
      'environment "prod-eu" already exists in the pipeline; choose another name (409)',
    );
    api.previewEnvironment.mockRejectedValue(refusal);
    const props = fieldProps('preview', { ...form, name: 'prod-eu' });
    await render(api, <GitopsChangePreview {...props} />);
    expect(
      await screen.findByTestId('gitops-change-preview-refused'),
    ).toHaveTextContent(
      'environment "prod-eu" already exists in the pipeline; choose another name',
    );
    expect(props.onChange).toHaveBeenLastCalledWith(undefined);
  });
});
