import { fireEvent, screen, waitFor, within } from '@testing-library/react';
import { TestApiProvider, renderInTestApp } from '@backstage/test-utils';
import { EntityProvider } from '@backstage/plugin-catalog-react';
import { gitopsApiRef } from '../../api';
import {
  MockGitopsApi,
  createFakeGitopsApi,
  entity,
} from '../../__testUtils__/fixtures';
import { GitopsTab } from './GitopsTab';

function render(api: MockGitopsApi) {
  return renderInTestApp(
    <TestApiProvider apis={[[gitopsApiRef, api]]}>
      <EntityProvider entity={entity}>
        <GitopsTab />
      </EntityProvider>
    </TestApiProvider>,
  );
}

/** Text as shown: without the hint Backstage adds to external links. */
const shown = (el: Element) =>
  el.textContent?.replace(', Opens in a new window', '');

async function expand(index: number) {
  const rows = await screen.findAllByTestId('gitops-rollout-row');
  fireEvent.click(
    within(rows[index]).getByRole('button', { name: 'Show changes' }),
  );
  return rows[index];
}

describe('change set of a rollout', () => {
  it('is not fetched for collapsed rows', async () => {
    const api = createFakeGitopsApi();
    await render(api);
    expect(await screen.findAllByTestId('gitops-rollout-row')).toHaveLength(3);
    await screen.findAllByTestId('gitops-env-pending');
    expect(api.getChangeSet).not.toHaveBeenCalled();
    expect(screen.queryByTestId('gitops-change-set')).not.toBeInTheDocument();
  });

  it('shows commits, pull requests, issue keys, authors and CI checks', async () => {
    const api = createFakeGitopsApi();
    await render(api);
    const row = await expand(0);
    expect(
      within(row).getByRole('button', { name: 'Show changes' }),
    ).toHaveAttribute('aria-expanded', 'true');

    const panel = await screen.findByTestId('gitops-change-set');
    expect(api.getChangeSet).toHaveBeenCalledTimes(1);
    expect(api.getChangeSet).toHaveBeenCalledWith('5');

    const prs = within(panel).getAllByTestId('gitops-change-set-pr');
    expect(prs.map(shown)).toEqual([
      '#151 chore(deps): bump react to 18.3.1',
      '#150 Dark mode',
    ]);
    expect(
      within(panel).getByRole('link', { name: /^#150 Dark mode/ }),
    ).toHaveAttribute('href', 'https://github.com/acme/guestbook-ui/pull/150');

    const issues = within(panel).getAllByTestId('gitops-change-set-issue');
    expect(issues.map(i => i.textContent)).toEqual(['SAAS-1601']);
    // No link template for this key: a plain chip.
    expect(issues[0].tagName).not.toBe('A');

    expect(panel).toHaveTextContent('Authors');
    expect(panel).toHaveTextContent('renovate[bot], Grace');
    expect(
      within(panel).getByTestId('gitops-change-set-checks'),
    ).toHaveTextContent('2 passed, 1 failed, 1 pending (of 4)');
    expect(within(panel).getByText('trivy-scan')).toBeInTheDocument();
    expect(within(panel).getByText('sonarqube')).toBeInTheDocument();

    const added = within(panel).getByTestId('gitops-change-set-added');
    expect(added).toHaveTextContent('Added: 2 commits');
    expect(added).toHaveTextContent('SAAS-1601: dark mode (#150)');
    expect(
      within(added).getByRole('link', { name: /^b16010b/ }),
    ).toHaveAttribute(
      'href',
      `https://github.com/acme/guestbook-ui/commit/${'b16010'
        .repeat(7)
        .slice(0, 40)}`,
    );
    expect(
      within(panel).queryByTestId('gitops-change-set-removed'),
    ).not.toBeInTheDocument();
  });

  it('shows what a rollback took away: SAAS-1543 among the removed commits', async () => {
    const api = createFakeGitopsApi();
    await render(api);
    await expand(1);

    const panel = await screen.findByTestId('gitops-change-set');
    expect(api.getChangeSet).toHaveBeenCalledWith('4');
    const removed = within(panel).getByTestId('gitops-change-set-removed');
    expect(removed).toHaveTextContent('Removed: 2 commits');
    expect(removed).toHaveTextContent(
      'SAAS-1543: guestbook entries can be edited (#142)',
    );
    expect(removed).toHaveTextContent('Fix pagination of the entry list');
    expect(
      within(panel).queryByTestId('gitops-change-set-added'),
    ).not.toBeInTheDocument();

    const saas1543 = within(panel)
      .getAllByTestId('gitops-change-set-issue')
      .find(chip => chip.textContent === 'SAAS-1543');
    expect(saas1543).toHaveAttribute(
      'href',
      'https://acme.atlassian.net/browse/SAAS-1543',
    );
    expect(saas1543).toHaveAttribute('title', 'SAAS-1543 (removed)');
    expect(
      within(panel).getAllByTestId('gitops-change-set-pr').map(shown),
    ).toContain('#142 Guestbook entries can be edited (removed)');
    expect(
      within(panel).queryByTestId('gitops-change-set-checks'),
    ).not.toBeInTheDocument();
  });

  it('says why a change set is missing', async () => {
    const api = createFakeGitopsApi();
    await render(api);
    await screen.findAllByTestId('gitops-rollout-row');
    fireEvent.change(screen.getByLabelText('Environment'), {
      target: { value: 'dev' },
    });
    await waitFor(() =>
      expect(screen.getAllByTestId('gitops-rollout-row')).toHaveLength(2),
    );
    await expand(1);

    const panel = await screen.findByTestId('gitops-change-set');
    expect(api.getChangeSet).toHaveBeenCalledWith('1');
    expect(
      within(panel).getByTestId('gitops-change-set-status'),
    ).toHaveTextContent("unmapped: tag 'latest' is not a commit sha");
  });

  it('fetches once, however often the row is toggled', async () => {
    const api = createFakeGitopsApi();
    await render(api);
    const row = await expand(2);
    await screen.findByTestId('gitops-change-set');
    const button = within(row).getByRole('button', { name: 'Show changes' });
    fireEvent.click(button);
    expect(button).toHaveAttribute('aria-expanded', 'false');
    fireEvent.click(button);
    expect(button).toHaveAttribute('aria-expanded', 'true');
    expect(screen.getByTestId('gitops-change-set')).toBeInTheDocument();
    expect(api.getChangeSet).toHaveBeenCalledTimes(1);
    expect(api.getChangeSet).toHaveBeenCalledWith('3');
  });

  it('shows the error of one change set in its panel', async () => {
    const api = createFakeGitopsApi();
    api.getChangeSet.mockRejectedValue(new Error('GitHub rate limit exceeded'));
    await render(api);
    await expand(0);
    expect(
      await screen.findByTestId('gitops-change-set-error'),
    ).toHaveTextContent(
      'Could not load the change set: GitHub rate limit exceeded',
    );
    expect(screen.getAllByTestId('gitops-rollout-row')).toHaveLength(3);
  });
});
