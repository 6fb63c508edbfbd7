import { fireEvent, screen, waitFor, within } from '@testing-library/react';
import { TestApiProvider, renderInTestApp } from '@backstage/test-utils';
import { EntityProvider } from '@backstage/plugin-catalog-react';
import type { Entity } from '@backstage/catalog-model';
import { ResponseError } from '@backstage/errors';
import { gitopsApiRef } from '../../api';
import {
  MockGitopsApi,
  createFakeGitopsApi,
  entity,
  entityWithoutAnnotation,
  makeChangeSummary,
  makeRollbackSummary,
  makeStatus,
  stagingError,
} from '../../__testUtils__/fixtures';
import { GitopsTab } from './GitopsTab';

function render(api: MockGitopsApi, subject: Entity = entity) {
  return renderInTestApp(
    <TestApiProvider apis={[[gitopsApiRef, api]]}>
      <EntityProvider entity={subject}>
        <GitopsTab />
      </EntityProvider>
    </TestApiProvider>,
  );
}

const ref = { kind: 'Component', namespace: 'default', name: 'guestbook-ui' };

describe('GitopsTab', () => {
  it('shows the pipeline: stages in promotion order, prod-us and prod-eu stacked', async () => {
    const api = createFakeGitopsApi();
    await render(api);

    const pipeline = await screen.findByTestId('gitops-pipeline');
    expect(api.getServiceStatus).toHaveBeenCalledWith(ref);

    const cards = within(pipeline)
      .getAllByTestId(
        /^gitops-env-(?!version|pending|hold|promote|rollback|live|health|sync|revisions|replicas|last-sync|behind|drift|connection)/,
      )
      .map(card => card.getAttribute('data-testid'));
    expect(cards).toEqual([
      'gitops-env-dev',
      'gitops-env-qa',
      'gitops-env-staging',
      'gitops-env-prod-us',
      'gitops-env-prod-eu',
    ]);

    const prod = screen.getByTestId('gitops-stage-prod');
    expect(within(prod).getByTestId('gitops-env-prod-us')).toBeInTheDocument();
    expect(within(prod).getByTestId('gitops-env-prod-eu')).toBeInTheDocument();
    expect(screen.getByText('guestbook')).toBeInTheDocument();
  });

  it('shows the error of a broken environment and the versions of the other four', async () => {
    const api = createFakeGitopsApi();
    await render(api);
    await screen.findByTestId('gitops-pipeline');

    const staging = screen.getByTestId('gitops-env-staging');
    expect(
      within(staging).getByText(
        `${stagingError.file}:7: ${stagingError.message}`,
      ),
    ).toBeInTheDocument();
    expect(
      within(staging).queryByTestId('gitops-env-version'),
    ).not.toBeInTheDocument();

    const version = (name: string) =>
      within(screen.getByTestId(`gitops-env-${name}`)).getByTestId(
        'gitops-env-version',
      ).textContent;
    expect(version('dev')).toBe('1.5.0-rc.2');
    expect(version('qa')).toBe('1.4.2');
    expect(version('prod-us')).toBe('1.4.1');
    expect(version('prod-eu')).toBe('1.4.1');
  });

  it('shows where each environment runs, when and by whom it last changed, and the commit', async () => {
    const api = createFakeGitopsApi();
    await render(api);
    await screen.findByTestId('gitops-pipeline');

    const dev = within(screen.getByTestId('gitops-env-dev'));
    expect(dev.getByText('dev-cluster / guestbook-dev')).toBeInTheDocument();
    expect(
      dev.getByRole('link', { name: /^https:\/\/dev.guestbook.example.com/ }),
    ).toHaveAttribute('href', 'https://dev.guestbook.example.com');
    expect(dev.getByText(/2 hours ago/)).toBeInTheDocument();
    expect(dev.getByText(/2 hours ago/).closest('p')).toHaveTextContent(
      /by Alice in a1b2c3d/,
    );
    // The author's name is never broken inside: whole, or "…" with a tooltip.
    expect(dev.getByTitle('Alice')).toHaveTextContent('Alice');
    expect(dev.getByRole('link', { name: /^a1b2c3d/ })).toHaveAttribute(
      'href',
      'https://github.com/acme/platform-gitops/commit/a1b2c3d4e5f60718293a4b5c6d7e8f9012345678',
    );
    expect(
      dev.getByText('apps/guestbook-ui/overlays/dev/kustomization.yaml:9'),
    ).toBeInTheDocument();

    // No web view for this commit: the short sha is plain text.
    const qa = within(screen.getByTestId('gitops-env-qa'));
    expect(qa.getByText('b2c3d4e')).toBeInTheDocument();
    expect(qa.queryByRole('link', { name: /b2c3d4e/ })).not.toBeInTheDocument();
    expect(qa.getByText(/yesterday/)).toBeInTheDocument();
  });

  it('shows the repository and its last ingested commit', async () => {
    const api = createFakeGitopsApi();
    await render(api);
    const repo = await screen.findByTestId('gitops-repository');
    expect(repo).toHaveTextContent('platform-gitops');
    expect(repo).toHaveTextContent('github.com/acme/platform-gitops');
    expect(repo).toHaveTextContent('branch main');
    expect(repo).toHaveTextContent('last ingested commit 9f8e7d6');
    expect(
      within(repo).getByRole('link', {
        name: 'https://github.com/acme/platform-gitops',
      }),
    ).toHaveAttribute('href', 'https://github.com/acme/platform-gitops');
  });

  it('names a local repository by its id and never shows a server path', async () => {
    const api = createFakeGitopsApi();
    const status = makeStatus();
    status.repository = {
      ...status.repository,
      id: 'demo',
      provider: 'local',
      location: undefined,
    };
    api.getServiceStatus.mockResolvedValue(status);
    await render(api);
    const repo = await screen.findByTestId('gitops-repository');
    expect(repo).toHaveTextContent('GitOps repository demo');
    expect(repo).toHaveTextContent("on the portal's server, no remote URL");
    expect(repo).not.toHaveTextContent('/');
    expect(within(repo).queryByRole('link')).not.toBeInTheDocument();
  });

  it('says "not deployed" for an environment without a version or error', async () => {
    const api = createFakeGitopsApi();
    const status = makeStatus();
    status.environments = status.environments.map(e =>
      e.environment.name === 'prod-eu' ? { ...e, desired: null } : e,
    );
    api.getServiceStatus.mockResolvedValue(status);
    await render(api);
    const card = await screen.findByTestId('gitops-env-prod-eu');
    expect(within(card).getByText('not deployed')).toBeInTheDocument();
    expect(within(card).queryByRole('alert')).not.toBeInTheDocument();
  });

  it('shows a banner when the pipeline file is broken, with the last good pipeline', async () => {
    const api = createFakeGitopsApi();
    api.getServiceStatus.mockResolvedValue({
      ...makeStatus(),
      pipelineError: {
        file: 'gitops-pipeline.yaml',
        line: 14,
        message: 'unexpected end of the stream within a flow collection',
      },
    });
    await render(api);
    expect(
      await screen.findByTestId('gitops-pipeline-error'),
    ).toHaveTextContent(
      'The pipeline file is broken: gitops-pipeline.yaml:14: unexpected end of the stream within a flow collection. Showing the last good pipeline.',
    );
    expect(screen.getByTestId('gitops-env-dev')).toBeInTheDocument();
  });

  it('shows the missing annotation state and does not call the API', async () => {
    const api = createFakeGitopsApi();
    await render(api, entityWithoutAnnotation);
    expect(
      (await screen.findAllByText(/gitops2\.io\/gitops-repo/)).length,
    ).toBeGreaterThan(0);
    expect(api.getServiceStatus).not.toHaveBeenCalled();
    expect(api.getRollouts).not.toHaveBeenCalled();
  });

  it('shows the error of the API', async () => {
    const api = createFakeGitopsApi();
    api.getServiceStatus.mockRejectedValue(
      new Error(
        'Service guestbook-ui is not in the pipeline of platform-gitops',
      ),
    );
    await render(api);
    expect(
      (
        await screen.findAllByText(
          /Service guestbook-ui is not in the pipeline of platform-gitops/,
        )
      ).length,
    ).toBeGreaterThan(0);
    expect(screen.queryByTestId('gitops-pipeline')).not.toBeInTheDocument();
  });

  it('shows a response error of the backend with its status', async () => {
    const api = createFakeGitopsApi();
    const error = await ResponseError.fromResponse(
      new Response(
        JSON.stringify({
          error: {
            name: 'NotFoundError',
            message: 'guestbook-ui is not a service of platform-gitops',
          },
          request: {
            method: 'GET',
            url: '/v1/entities/default/component/guestbook-ui/status',
          },
          response: { statusCode: 404 },
        }),
        {
          status: 404,
          statusText: 'Not Found',
          headers: { 'content-type': 'application/json' },
        },
      ),
    );
    api.getServiceStatus.mockRejectedValue(error);
    await render(api);
    expect(
      (
        await screen.findAllByText(
          /guestbook-ui is not a service of platform-gitops/,
        )
      ).length,
    ).toBeGreaterThan(0);
    expect(screen.getAllByText(/404/).length).toBeGreaterThan(0);
  });

  it('shows a progress bar while loading', async () => {
    const api = createFakeGitopsApi();
    api.getServiceStatus.mockReturnValue(new Promise(() => {}));
    api.getRollouts.mockReturnValue(new Promise(() => {}));
    await render(api);
    expect((await screen.findAllByRole('progressbar')).length).toBeGreaterThan(
      0,
    );
  });

  it('lists the rollouts newest first, with the rollback marked', async () => {
    const api = createFakeGitopsApi();
    await render(api);

    const rows = await screen.findAllByTestId('gitops-rollout-row');
    expect(api.getRollouts).toHaveBeenCalledWith(ref, {
      environment: undefined,
      limit: 20,
    });
    expect(rows).toHaveLength(3);
    expect(rows[0]).toHaveTextContent('dev');
    expect(rows[0]).toHaveTextContent('1.4.2 → 1.5.0-rc.2');

    const rollback = rows[1];
    expect(rollback).toHaveTextContent('prod-us');
    expect(rollback).toHaveTextContent('1.4.2 → 1.4.1');
    expect(
      within(rollback).getByTestId('gitops-rollout-kind-rollback'),
    ).toHaveTextContent('rollback');
    expect(rollback).toHaveTextContent('succeeded');
    expect(rollback).toHaveTextContent('user:default/dave');
    expect(rollback).toHaveTextContent('author: Dave');
    expect(
      within(rollback).getByRole('link', { name: /^4444444/ }),
    ).toHaveAttribute(
      'href',
      'https://github.com/acme/platform-gitops/commit/4444444444444444444444444444444444444444',
    );
    expect(screen.getByText('Showing 3 of 5')).toBeInTheDocument();
  });

  it('shows at a glance what each rollout carried, and what a rollback removed', async () => {
    const api = createFakeGitopsApi();
    const page = await api.getRollouts(ref as any, { limit: 20 });
    api.getRollouts.mockResolvedValue({
      ...page,
      items: page.items.map((r, i) => {
        if (i === 0) return { ...r, changes: makeChangeSummary() };
        if (i === 1) return { ...r, changes: makeRollbackSummary() };
        return r;
      }),
    });
    await render(api);
    const rows = await screen.findAllByTestId('gitops-rollout-row');
    const carried = within(rows[0]).getByTestId('gitops-change-summary');
    expect(carried).toHaveTextContent('SAAS-1543');
    expect(carried).toHaveTextContent('#150 Dark mode');
    expect(carried).toHaveTextContent('7 commits');
    const removed = within(rows[1]).getByTestId('gitops-change-summary');
    expect(removed).toHaveTextContent(/^removed:SAAS-1543/);
    expect(
      within(rows[2]).queryByTestId('gitops-change-summary'),
    ).not.toBeInTheDocument();
  });

  it('says "not observed" and "superseded" instead of pending for rollouts no cluster will report on', async () => {
    const api = createFakeGitopsApi();
    const page = await api.getRollouts(ref as any, { limit: 20 });
    const outcomes = ['pending', 'superseded', 'not-observed'] as const;
    api.getRollouts.mockResolvedValue({
      ...page,
      items: page.items.map((r, i) => ({ ...r, outcome: outcomes[i] })),
    });
    await render(api);
    const rows = await screen.findAllByTestId('gitops-rollout-row');
    expect(rows[0]).toHaveTextContent('pending');
    expect(rows[1]).toHaveTextContent('superseded');
    expect(rows[1]).not.toHaveTextContent('pending');
    expect(rows[2]).toHaveTextContent('not observed');
    expect(rows[2]).not.toHaveTextContent('pending');
  });

  it('flags a rollout whose commit left the branch history (force-push)', async () => {
    const api = createFakeGitopsApi();
    const page = await api.getRollouts(ref as any, { limit: 20 });
    api.getRollouts.mockResolvedValue({
      ...page,
      items: page.items.map((r, i) =>
        i === 0 ? { ...r, rewrittenAt: new Date().toISOString() } : r,
      ),
    });
    await render(api);
    const rows = await screen.findAllByTestId('gitops-rollout-row');
    expect(
      within(rows[0]).getByTestId('gitops-rollout-rewritten'),
    ).toHaveTextContent('rewritten: no longer in the branch history');
    expect(
      within(rows[1]).queryByTestId('gitops-rollout-rewritten'),
    ).not.toBeInTheDocument();
  });

  it('shows why a rollout failed its verification', async () => {
    const api = createFakeGitopsApi();
    const page = await api.getRollouts(ref as any, { limit: 20 });
    api.getRollouts.mockResolvedValue({
      ...page,
      items: page.items.map((r, i) =>
        i === 0
          ? {
              ...r,
              outcome: 'failed' as const,
              outcomeDetail: 'step smoke (http) failed in staging: HTTP 500',
            }
          : r,
      ),
    });
    await render(api);
    const rows = await screen.findAllByTestId('gitops-rollout-row');
    expect(rows[0]).toHaveTextContent(
      'failedstep smoke (http) failed in staging: HTTP 500',
    );
    expect(
      within(rows[1]).queryByTestId('gitops-rollout-outcome-detail'),
    ).not.toBeInTheDocument();
  });

  it('warns about commits ingestion skipped, naming the latest', async () => {
    const api = createFakeGitopsApi();
    const status = makeStatus();
    status.repository = {
      ...status.repository,
      ingestionErrorCount: 2,
      ingestionErrors: [
        {
          commitSha: 'a7c3e1f0a7c3e1f0a7c3e1f0a7c3e1f0a7c3e1f0',
          service: 'guestbook-ui',
          environment: 'staging',
          message:
            'the version is 300 characters, longer than the 255 the ledger stores',
          recordedAt: new Date().toISOString(),
        },
      ],
    };
    api.getServiceStatus.mockResolvedValue(status);
    await render(api);
    const notice = await screen.findByTestId('gitops-ingestion-errors');
    expect(notice).toHaveTextContent(
      '2 commits could not be ingested and were skipped. Latest: a7c3e1f guestbook-ui / staging: the version is 300 characters, longer than the 255 the ledger stores',
    );
  });

  it('refetches the rollouts of one environment when filtered', async () => {
    const api = createFakeGitopsApi();
    await render(api);
    await screen.findAllByTestId('gitops-rollout-row');

    fireEvent.change(screen.getByLabelText('Environment'), {
      target: { value: 'prod-us' },
    });

    await waitFor(() =>
      expect(api.getRollouts).toHaveBeenLastCalledWith(ref, {
        environment: 'prod-us',
        limit: 20,
      }),
    );
    await waitFor(() =>
      expect(screen.getAllByTestId('gitops-rollout-row')).toHaveLength(2),
    );
    for (const row of screen.getAllByTestId('gitops-rollout-row')) {
      expect(row).toHaveTextContent('prod-us');
    }
    expect(screen.getByText('Showing 2 of 2')).toBeInTheDocument();
    expect(
      screen.queryByRole('button', { name: 'Load more' }),
    ).not.toBeInTheDocument();
  });

  it('loads older rollouts with the cursor of the last page', async () => {
    const api = createFakeGitopsApi();
    await render(api);
    await screen.findAllByTestId('gitops-rollout-row');

    fireEvent.click(screen.getByRole('button', { name: 'Load more' }));

    await waitFor(() =>
      expect(screen.getAllByTestId('gitops-rollout-row')).toHaveLength(5),
    );
    expect(api.getRollouts).toHaveBeenLastCalledWith(ref, {
      environment: undefined,
      limit: 20,
      before: '3',
    });
    const rows = screen.getAllByTestId('gitops-rollout-row');
    expect(rows[4]).toHaveTextContent('(none) → 1.4.1');
    expect(
      screen.queryByRole('button', { name: 'Load more' }),
    ).not.toBeInTheDocument();
  });

  it('says so when there are no rollouts yet', async () => {
    const api = createFakeGitopsApi();
    api.getRollouts.mockResolvedValue({ items: [], totalCount: 0 });
    await render(api);
    expect(await screen.findByText('No rollouts yet')).toBeInTheDocument();
  });
});
