import { fireEvent, screen } from '@testing-library/react';
import { TestApiProvider, renderInTestApp } from '@backstage/test-utils';
import { gitopsApiRef } from '../../api';
import { createFakeGitopsApi } from '../../__testUtils__/fixtures';
import { EnvironmentChangeReview } from './EnvironmentChangeReview';

const SHA = 'd'.repeat(40);

async function render(url: string) {
  const api = createFakeGitopsApi();
  await renderInTestApp(
    <TestApiProvider apis={[[gitopsApiRef, api]]}>
      <EnvironmentChangeReview />
    </TestApiProvider>,
    { routeEntries: [url] },
  );
  return api;
}

describe('EnvironmentChangeReview', () => {
  it('merges exactly the reviewed commit of the branch the template wrote, then says so and offers nothing more', async () => {
    const api = await render(
      `/?repository=demo&branch=gitops/environment-perf&commit=${SHA}`,
    );
    expect(screen.getByTestId('gitops-environment-change')).toHaveTextContent(
      'Branch gitops/environment-perf of repository demo at the reviewed commit dddddddddddd',
    );
    fireEvent.click(screen.getByTestId('gitops-environment-change-merge'));
    expect(
      await screen.findByTestId('gitops-environment-change-merged'),
    ).toHaveTextContent('Merged as aaaaaaaaaaaa.');
    expect(api.mergeEnvironmentChange).toHaveBeenCalledWith('demo', {
      branch: 'gitops/environment-perf',
      commitSha: SHA,
    });
    expect(
      screen.getByTestId('gitops-environment-change-merge'),
    ).toBeDisabled();
    expect(
      screen.getByTestId('gitops-environment-change-close'),
    ).toBeDisabled();
  });

  it("shows the backend's refusal and lets the user try again or close", async () => {
    const api = createFakeGitopsApi();
    api.mergeEnvironmentChange.mockRejectedValueOnce(
      new Error(
        'main moved since gitops/environment-perf was planned; close it and plan the change again (409)',
      ),
    );
    await renderInTestApp(
      <TestApiProvider apis={[[gitopsApiRef, api]]}>
        <EnvironmentChangeReview />
      </TestApiProvider>,
      {
        routeEntries: [
          `/?repository=demo&branch=gitops/environment-perf&commit=${SHA}`,
        ],
      },
    );
    fireEvent.click(screen.getByTestId('gitops-environment-change-merge'));
    expect(
      await screen.findByTestId('gitops-environment-change-error'),
    ).toHaveTextContent('main moved since gitops/environment-perf was planned');
    fireEvent.click(screen.getByTestId('gitops-environment-change-close'));
    expect(
      await screen.findByTestId('gitops-environment-change-closed'),
    ).toBeInTheDocument();
    expect(api.closeEnvironmentChange).toHaveBeenCalledWith(
      'demo',
      'gitops/environment-perf',
    );
  });

  it('without a change to review, says where one comes from', async () => {
    await render('/');
    expect(
      screen.getByText(/its result links here to merge or close the change/),
    ).toBeInTheDocument();
    expect(
      screen.queryByTestId('gitops-environment-change-merge'),
    ).not.toBeInTheDocument();
  });
});
