import { screen, within } from '@testing-library/react';
import { TestApiProvider, renderInTestApp } from '@backstage/test-utils';
import { gitopsApiRef } from '../../api';
import { createFakeGitopsApi } from '../../__testUtils__/fixtures';
import { makeDashboard } from '../../__testUtils__/liveFixtures';
import { Dashboard } from './Dashboard';
import { DashboardGrid, stagesOf } from './DashboardGrid';
import { DashboardMatrix } from './DashboardMatrix';

const placeOf = (testId: string) => {
  const cell = screen.getByTestId(testId).parentElement as HTMLElement;
  return { column: cell.style.gridColumn, row: cell.style.gridRow };
};

describe('DashboardGrid', () => {
  it('groups environments by stage, in promotion order', () => {
    const stages = stagesOf(makeDashboard().environments);
    expect(stages.map(s => [s.name, s.environments.map(e => e.name)])).toEqual([
      ['dev', ['dev']],
      ['qa', ['qa']],
      ['staging', ['staging']],
      ['prod', ['prod-us', 'prod-eu']],
    ]);
  });

  it('puts each stage in its own column and stacks the parallel environments of a stage in it, under one heading', async () => {
    await renderInTestApp(
      <DashboardGrid environments={makeDashboard().environments} />,
    );
    const grid = screen.getByTestId('gitops-dashboard-grid');
    expect(grid.style.gridTemplateColumns).toBe('repeat(4, minmax(0, 1fr))');
    expect(placeOf('gitops-dashboard-env-dev')).toEqual({
      column: '1',
      row: '2',
    });
    expect(placeOf('gitops-dashboard-env-prod-us')).toEqual({
      column: '4',
      row: '2',
    });
    expect(placeOf('gitops-dashboard-env-prod-eu')).toEqual({
      column: '4',
      row: '3',
    });
    expect(screen.getByTestId('gitops-dashboard-stage-prod')).toHaveTextContent(
      'prod · 2 in parallel',
    );
    expect(screen.getByTestId('gitops-dashboard-stage-dev')).toHaveTextContent(
      /^dev$/,
    );
  });

  it('names an unreachable cluster once above the grid, with what to check', async () => {
    const api = createFakeGitopsApi();
    await renderInTestApp(
      <TestApiProvider apis={[[gitopsApiRef, api]]}>
        <Dashboard />
      </TestApiProvider>,
    );
    await screen.findByTestId('gitops-dashboard-grid');
    const problems = screen.getAllByTestId('gitops-cluster-problem');
    expect(problems).toHaveLength(1);
    expect(problems[0]).toHaveTextContent(
      'Cluster prod-eu-cluster is unreachable',
    );
    expect(
      within(problems[0]).getByText(/gitops\.clusters in app-config/),
    ).toBeInTheDocument();
  });

  it('heads the matrix with its parallel stages over their environments; versions carry their full value on hover', async () => {
    await renderInTestApp(<DashboardMatrix dashboard={makeDashboard()} />);
    const table = screen.getByTestId('gitops-dashboard-matrix');
    const [stageRow, envRow] = Array.from(table.querySelectorAll('thead tr'));
    const stageCells = Array.from(stageRow.querySelectorAll('th'));
    expect(
      stageCells.map(c => [c.textContent, c.getAttribute('colspan')]),
    ).toEqual([
      ['', null],
      ['', '1'],
      ['', '1'],
      ['', '1'],
      ['prod', '2'],
    ]);
    expect(
      Array.from(envRow.querySelectorAll('th')).map(c => c.textContent),
    ).toEqual(['Service', 'dev', 'qa', 'staging', 'prod-us', 'prod-eu']);
    // Long versions end in "…" with the full value on hover.
    const version = within(
      screen.getByTestId('gitops-matrix-guestbook-ui-dev'),
    ).getByTestId('gitops-matrix-version');
    expect(version).toHaveAttribute('title', version.textContent);
  });
});
