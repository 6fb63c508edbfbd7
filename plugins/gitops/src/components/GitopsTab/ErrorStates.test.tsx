import { screen, waitFor, within } from '@testing-library/react';
import { TestApiProvider, renderInTestApp } from '@backstage/test-utils';
import { EntityProvider } from '@backstage/plugin-catalog-react';
import { gitopsApiRef } from '../../api';
import {
  MockGitopsApi,
  createFakeGitopsApi,
  entity,
  makeStatus,
  repository,
} from '../../__testUtils__/fixtures';
import { makeLive } from '../../__testUtils__/liveFixtures';
import { GitopsTab } from './GitopsTab';

/**
 * Empty and error states of the GitOps tab (issue #13, point 7): each says
 * what is wrong, once, and what to do about it.
 */
function render(api: MockGitopsApi) {
  return renderInTestApp(
    <TestApiProvider apis={[[gitopsApiRef, api]]}>
      <EntityProvider entity={entity}>
        <GitopsTab />
      </EntityProvider>
    </TestApiProvider>,
  );
}

const RATE_LIMITED =
  'GitHub API rate limit exhausted for acme/guestbook-ui after 2 retries (403); resets at 2026-11-30T23:59:00.000Z';

describe('GitopsTab: empty and error states', () => {
  it('says once that the service has no pipeline entry, and how to add it, instead of an error on every card', async () => {
    const api = createFakeGitopsApi();
    const status = makeStatus();
    api.getServiceStatus.mockResolvedValue({
      ...status,
      notInPipeline: true,
      environments: status.environments.map(e => ({
        ...e,
        desired: null,
        error: {
          message: 'service "guestbook-ui" is not listed under spec.services',
          file: 'gitops-pipeline.yaml',
        },
      })),
    });
    await render(api);
    const notice = await screen.findByTestId('gitops-not-in-pipeline');
    expect(notice).toHaveTextContent(
      'guestbook-ui is not in the pipeline of platform-gitops',
    );
    expect(notice).toHaveTextContent(
      'has no entry for “guestbook-ui” under spec.services',
    );
    expect(notice).toHaveTextContent('Add it there');
    expect(notice).toHaveTextContent('gitops2.io/service');
    expect(screen.queryByTestId('gitops-pipeline')).not.toBeInTheDocument();
    expect(screen.queryAllByText(/is not listed under spec\.services/)).toEqual(
      [],
    );
  });

  it('says the pipeline file is broken, where, and how to fix it, without a contradicting "no environments"', async () => {
    const api = createFakeGitopsApi();
    api.getServiceStatus.mockResolvedValue({
      ...makeStatus(),
      pipeline: null,
      environments: [],
      pipelineError: {
        file: 'gitops-pipeline.yaml',
        line: 9,
        message: 'environment "prod-us" is in no stage',
      },
    });
    await render(api);
    const banner = await screen.findByTestId('gitops-pipeline-error');
    expect(banner).toHaveTextContent(
      'The pipeline file is broken: gitops-pipeline.yaml:9: environment "prod-us" is in no stage.',
    );
    expect(banner).toHaveTextContent(
      'There is no earlier valid pipeline to show.',
    );
    expect(banner).toHaveTextContent(
      'correct the file on branch main of the GitOps repository platform-gitops',
    );
    expect(banner.className).toMatch(/Error/);
    expect(screen.queryByText('No environments')).not.toBeInTheDocument();
  });

  it('names an unreachable cluster once, with what to check, while its cards keep the last known state', async () => {
    const api = createFakeGitopsApi();
    const live = makeLive();
    // prod-eu-cluster is unreachable; prod-us on the same cluster too.
    const unreachable = live.environments.find(
      e => e.connection?.state === 'unreachable',
    )!.connection!;
    api.getLive.mockResolvedValue({
      ...live,
      environments: live.environments.map(e =>
        e.environment === 'prod-us' ? { ...e, connection: unreachable } : e,
      ),
    });
    await render(api);
    await waitFor(() =>
      expect(screen.getAllByTestId('gitops-cluster-problem')).toHaveLength(1),
    );
    const problem = screen.getByTestId('gitops-cluster-problem');
    expect(problem).toHaveTextContent('Cluster prod-eu-cluster is unreachable');
    expect(problem).toHaveTextContent('connect ECONNREFUSED 10.0.0.7:6443');
    expect(problem).toHaveTextContent(
      'Check that the backend can reach its API server',
    );
    expect(problem).toHaveTextContent('gitops.clusters in app-config');
    // The card keeps its short line, without repeating the advice.
    const card = screen.getByTestId('gitops-env-prod-eu');
    expect(within(card).getByTestId('gitops-env-connection')).toHaveTextContent(
      'prod-eu-cluster: unreachable',
    );
    expect(within(card).queryByText(/Check that the backend/)).toBeNull();
  });

  it('says GitHub is rate-limited, that the portal retries by itself, and how to raise the limit', async () => {
    const api = createFakeGitopsApi();
    api.getServiceStatus.mockResolvedValue({
      ...makeStatus(),
      repository: { ...repository, error: { message: RATE_LIMITED } },
    });
    await render(api);
    const failed = await screen.findByTestId('gitops-ingestion-failed');
    expect(failed).toHaveTextContent(
      `The last ingestion failed: ${RATE_LIMITED}`,
    );
    expect(failed).toHaveTextContent(
      "GitHub's API limit for the portal's token is used up",
    );
    expect(failed).toHaveTextContent('tries again by itself at');
    expect(failed).toHaveTextContent('integrations.github in app-config');
  });

  it('explains a rate-limited answer where pending changes are shown', async () => {
    const api = createFakeGitopsApi();
    api.getPendingChanges.mockRejectedValue(new Error(RATE_LIMITED));
    await render(api);
    const dev = await screen.findByTestId('gitops-env-dev');
    await waitFor(() =>
      expect(within(dev).getByTestId('gitops-env-pending')).toHaveTextContent(
        'Could not tell what is pending for qa',
      ),
    );
    expect(within(dev).getByTestId('gitops-env-pending')).toHaveTextContent(
      'the portal tries again by itself',
    );
  });
});
