import { fireEvent, screen, waitFor, within } from '@testing-library/react';
import { TestApiProvider, renderInTestApp } from '@backstage/test-utils';
import { EntityProvider } from '@backstage/plugin-catalog-react';
import { gitopsApiRef } from '../../api';
import {
  MockGitopsApi,
  createFakeGitopsApi,
  entity,
  makePending,
} from '../../__testUtils__/fixtures';
import { GitopsTab } from './GitopsTab';

const ref = { kind: 'Component', namespace: 'default', name: 'guestbook-ui' };

function render(api: MockGitopsApi) {
  return renderInTestApp(
    <TestApiProvider apis={[[gitopsApiRef, api]]}>
      <EntityProvider entity={entity}>
        <GitopsTab />
      </EntityProvider>
    </TestApiProvider>,
  );
}

const card = (name: string) => screen.getByTestId(`gitops-env-${name}`);

describe('pending for the next environment', () => {
  it('says once above the pipeline, not on every card, that the service has no source repository', async () => {
    const api = createFakeGitopsApi();
    const message =
      'service guestbook-ui has no source repository (annotation github.com/project-slug)';
    api.getPendingChanges.mockImplementation(async (_ref, from, to) => ({
      from,
      to,
      changeSet: {
        status: 'no-source',
        message,
        added: [],
        removed: [],
        pullRequests: [],
        issueKeys: [],
        authors: [],
      },
    }));
    await render(api);
    const notice = await screen.findByTestId('gitops-pipeline-no-source');
    expect(notice).toHaveTextContent(
      `What is pending between environments is unknown: ${message}`,
    );
    await waitFor(() => expect(api.getPendingChanges).toHaveBeenCalledTimes(3));
    expect(screen.getAllByText(new RegExp(message.slice(0, 20)))).toHaveLength(
      1,
    );
    for (const env of ['dev', 'qa', 'staging'])
      expect(
        within(card(env)).queryByTestId('gitops-env-pending'),
      ).not.toBeInTheDocument();
  });

  it('is asked for each environment followed by a stage, for the first environment of that stage', async () => {
    const api = createFakeGitopsApi();
    await render(api);
    await screen.findByTestId('gitops-pipeline');

    await waitFor(() =>
      expect(
        within(card('dev')).getByTestId('gitops-env-pending'),
      ).toHaveTextContent('2 commits pending for qa'),
    );
    await waitFor(() =>
      expect(
        within(card('qa')).getByTestId('gitops-env-pending'),
      ).toHaveTextContent('2 commits pending for staging'),
    );
    await waitFor(() =>
      expect(
        within(card('staging')).getByTestId('gitops-env-pending'),
      ).toHaveTextContent('nothing pending for prod-us'),
    );
    expect(
      within(card('prod-us')).queryByTestId('gitops-env-pending'),
    ).not.toBeInTheDocument();
    expect(
      within(card('prod-eu')).queryByTestId('gitops-env-pending'),
    ).not.toBeInTheDocument();

    expect(api.getPendingChanges).toHaveBeenCalledTimes(3);
    expect(api.getPendingChanges).toHaveBeenCalledWith(ref, 'dev', 'qa');
    expect(api.getPendingChanges).toHaveBeenCalledWith(ref, 'qa', 'staging');
    expect(api.getPendingChanges).toHaveBeenCalledWith(
      ref,
      'staging',
      'prod-us',
    );
  });

  it('expands into the issue keys and pull requests', async () => {
    const api = createFakeGitopsApi();
    await render(api);
    await screen.findByTestId('gitops-pipeline');
    const pending = await waitFor(() =>
      within(card('qa')).getByRole('button', {
        name: '2 commits pending for staging',
      }),
    );
    expect(pending).toHaveAttribute('aria-expanded', 'false');
    fireEvent.click(pending);
    expect(pending).toHaveAttribute('aria-expanded', 'true');

    const line = within(card('qa')).getByTestId('gitops-env-pending');
    expect(
      within(line)
        .getAllByTestId('gitops-change-set-issue')
        .map(c => c.textContent),
    ).toEqual(['SAAS-1550', 'SAAS-1543']);
    expect(
      within(line).getByRole('link', {
        name: /^#142 Guestbook entries can be edited/,
      }),
    ).toHaveAttribute('href', 'https://github.com/acme/guestbook-ui/pull/142');
  });

  it('lists only what the next environment lacks', async () => {
    const api = createFakeGitopsApi();
    api.getPendingChanges.mockImplementation(async (_e, from, to) => {
      const pending = makePending(from, to);
      if (from !== 'dev') return pending;
      const other = makePending('qa', 'staging').changeSet;
      return {
        ...pending,
        changeSet: {
          ...pending.changeSet,
          // qa has SAAS-1543 and SAAS-1550, which dev lacks.
          removed: other.added,
          issueKeys: [...pending.changeSet.issueKeys, ...other.issueKeys],
          pullRequests: [
            ...pending.changeSet.pullRequests,
            ...other.pullRequests,
          ],
        },
      };
    });
    await render(api);
    await screen.findByTestId('gitops-pipeline');
    const pending = await waitFor(() =>
      within(card('dev')).getByRole('button', {
        name: '2 commits pending for qa',
      }),
    );
    fireEvent.click(pending);
    const line = within(card('dev')).getByTestId('gitops-env-pending');
    expect(
      within(line)
        .getAllByTestId('gitops-change-set-issue')
        .map(c => c.textContent),
    ).toEqual(['SAAS-1601']);
    expect(within(line).getAllByTestId('gitops-change-set-pr')).toHaveLength(2);
    expect(line).not.toHaveTextContent('#142');
  });

  it('shows a failure in that card only', async () => {
    const api = createFakeGitopsApi();
    api.getPendingChanges.mockImplementation(async (_e, from, to) => {
      if (from === 'qa') throw new Error('qa has no source commit');
      return makePending(from, to);
    });
    await render(api);
    await screen.findByTestId('gitops-pipeline');

    await waitFor(() =>
      expect(
        within(card('qa')).getByTestId('gitops-env-pending'),
      ).toHaveTextContent(
        'Could not tell what is pending for staging: qa has no source commit',
      ),
    );
    await waitFor(() =>
      expect(
        within(card('dev')).getByTestId('gitops-env-pending'),
      ).toHaveTextContent('2 commits pending for qa'),
    );
    expect(
      within(card('qa')).getByTestId('gitops-env-version'),
    ).toHaveTextContent('1.4.2');
    for (const name of ['dev', 'staging']) {
      expect(
        within(card(name)).getByTestId('gitops-env-pending'),
      ).not.toHaveTextContent('Could not');
    }
  });

  it('says when the change set of a promotion cannot be told', async () => {
    const api = createFakeGitopsApi();
    api.getPendingChanges.mockImplementation(async (_e, from, to) => ({
      ...makePending(from, to),
      changeSet: {
        ...makePending(from, to).changeSet,
        status: 'unmapped',
        message: "tag 'latest' is not a commit sha",
      },
    }));
    await render(api);
    await screen.findByTestId('gitops-pipeline');
    await waitFor(() =>
      expect(
        within(card('dev')).getByTestId('gitops-env-pending'),
      ).toHaveTextContent(
        "pending for qa unknown (unmapped: tag 'latest' is not a commit sha)",
      ),
    );
  });
});
