import { fireEvent, screen, within } from '@testing-library/react';
import { TestApiProvider, renderInTestApp } from '@backstage/test-utils';
import { EntityProvider } from '@backstage/plugin-catalog-react';
import { ResponseError } from '@backstage/errors';
import { gitopsApiRef } from '../../api';
import {
  MockGitopsApi,
  createFakeGitopsApi,
  entity,
} from '../../__testUtils__/fixtures';
import { GitopsTab } from '../GitopsTab';
import { DeliveryMetrics } from './DeliveryMetrics';

const ref = { kind: 'Component', namespace: 'default', name: 'guestbook-ui' };

function renderSection(api: MockGitopsApi) {
  return renderInTestApp(
    <TestApiProvider apis={[[gitopsApiRef, api]]}>
      <DeliveryMetrics
        entity={ref}
        environments={['dev', 'qa', 'staging', 'prod-us', 'prod-eu']}
        defaultEnvironment="prod-us"
      />
    </TestApiProvider>,
  );
}

const tile = (name: string) =>
  screen.getByTestId(`gitops-metrics-tile-${name}`);

async function choose(label: string, option: string) {
  const section = screen.getByTestId('gitops-metrics');
  fireEvent.mouseDown(within(section).getByRole('button', { name: label }));
  fireEvent.click(await screen.findByRole('option', { name: option }));
}

describe('DeliveryMetrics', () => {
  it('shows the metrics of the last stage on the GitOps tab', async () => {
    const api = createFakeGitopsApi();
    await renderInTestApp(
      <TestApiProvider apis={[[gitopsApiRef, api]]}>
        <EntityProvider entity={entity}>
          <GitopsTab />
        </EntityProvider>
      </TestApiProvider>,
    );

    expect(
      await screen.findByTestId('gitops-metrics-tile-deployment-frequency'),
    ).toHaveTextContent('1');
    expect(api.getMetrics).toHaveBeenCalledWith(ref, {
      since: expect.any(String),
    });
    const since = Date.parse(api.getMetrics.mock.calls[0][1]!.since!);
    expect(Math.round((Date.now() - since) / 86_400_000)).toBe(30);
    // prod: the first environment of the last stage (prod-us, prod-eu).
    expect(
      within(screen.getByTestId('gitops-metrics')).getByRole('button', {
        name: /Metrics environment/,
      }),
    ).toHaveTextContent('prod-us');
    expect(tile('deployment-frequency')).toHaveTextContent(
      '7 deployments in 30 days',
    );
    expect(tile('lead-time')).toHaveTextContent('2 d 4 h');
    expect(tile('lead-time')).toHaveTextContent('merge → env 5 h');
    expect(tile('lead-time')).toHaveTextContent('p90 5 d');
    expect(tile('change-failure-rate')).toHaveTextContent('25 %');
    expect(tile('change-failure-rate')).toHaveTextContent(
      '1 of 4 changes failed; 1 rollbacks',
    );
    expect(tile('time-to-restore')).toHaveTextContent('45 min');
    expect(
      screen.getByTestId('gitops-metrics-deployments-chart'),
    ).toHaveTextContent('Deployments per day');
    expect(
      screen.getByTestId('gitops-metrics-lead-time-chart'),
    ).toBeInTheDocument();
  });

  it('switches environment and window', async () => {
    const api = createFakeGitopsApi();
    await renderSection(api);
    await screen.findByTestId('gitops-metrics-tile-lead-time');

    await choose('Metrics environment prod-us', 'dev');
    expect(tile('deployment-frequency')).toHaveTextContent('2');
    expect(tile('deployment-frequency')).toHaveTextContent(
      '14 deployments in 30 days',
    );
    expect(tile('change-failure-rate')).toHaveTextContent('0 %');
    expect(tile('time-to-restore')).toHaveTextContent('—');
    expect(tile('time-to-restore')).toHaveTextContent('no failures');

    await choose('Window Last 30 days', 'Last 7 days');
    expect(
      await screen.findByText('14 deployments in 7 days'),
    ).toBeInTheDocument();
    expect(api.getMetrics).toHaveBeenCalledTimes(2);
    const since = Date.parse(api.getMetrics.mock.calls[1][1]!.since!);
    expect(Math.round((Date.now() - since) / 86_400_000)).toBe(7);
  });

  it('says when an environment had no deployments', async () => {
    const api = createFakeGitopsApi();
    await renderSection(api);
    await screen.findByTestId('gitops-metrics-tile-lead-time');
    await choose('Metrics environment prod-us', 'qa');
    expect(
      screen.getByText('No deployments to qa in the last 30 days'),
    ).toBeInTheDocument();
    expect(
      screen.queryByTestId('gitops-metrics-tile-lead-time'),
    ).not.toBeInTheDocument();
  });

  it('shows the backend error', async () => {
    const api = createFakeGitopsApi();
    const error = new Error(
      'invalid query: since the window must be at most 365 days (400)',
    );
    error.name = 'ResponseError';
    api.getMetrics.mockRejectedValue(error as ResponseError);
    await renderSection(api);
    expect(await screen.findByTestId('gitops-metrics-error')).toHaveTextContent(
      'the window must be at most 365 days',
    );
  });
});
