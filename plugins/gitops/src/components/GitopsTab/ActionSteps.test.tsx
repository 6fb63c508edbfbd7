import {
  act,
  fireEvent,
  screen,
  waitFor,
  within,
} from '@testing-library/react';
import {
  TestApiProvider,
  mockApis,
  renderInTestApp,
} from '@backstage/test-utils';
import { identityApiRef } from '@backstage/core-plugin-api';
import { EntityProvider } from '@backstage/plugin-catalog-react';
import { gitopsApiRef } from '../../api';
import {
  MockGitopsApi,
  createFakeGitopsApi,
  currentUser,
  entity,
} from '../../__testUtils__/fixtures';
import {
  makeAutoRolledBack,
  makeFailedVerificationSteps,
  makeRunningVerificationSteps,
  makeVerifyingPromotion,
} from '../../__testUtils__/stepFixtures';
import { GitopsTab } from './GitopsTab';

function render(api: MockGitopsApi) {
  return renderInTestApp(
    <TestApiProvider
      apis={[
        [gitopsApiRef, api],
        [identityApiRef, mockApis.identity({ userEntityRef: currentUser })],
      ]}
    >
      <EntityProvider entity={entity}>
        <GitopsTab />
      </EntityProvider>
    </TestApiProvider>,
  );
}

// The whole tab renders: slow on a busy machine.
jest.setTimeout(60_000);
const SLOW = { timeout: 20_000 };

const row = (id: string) =>
  screen
    .getAllByTestId('gitops-action-row')
    .find(r => r.getAttribute('data-action-id') === id)!;
const timelineOf = (id: string) =>
  screen
    .queryAllByTestId('gitops-step-timeline')
    .find(t => t.getAttribute('data-action-id') === id);

describe('GitopsTab: deployment steps of the actions', () => {
  it('shows the steps of the three newest actions, and of older ones on demand', async () => {
    const api = createFakeGitopsApi();
    await render(api);
    await screen.findAllByTestId('gitops-action-row', undefined, SLOW);
    await waitFor(() =>
      expect(
        screen
          .getAllByTestId('gitops-step-timeline')
          .map(t => t.getAttribute('data-action-id')),
      ).toEqual(['15', '14', '13']),
    );
    expect(timelineOf('12')).toBeUndefined();

    const toggle = within(row('12')).getByTestId('gitops-action-steps-toggle');
    expect(toggle).toHaveAttribute('aria-expanded', 'false');
    fireEvent.click(toggle);
    await waitFor(() => expect(timelineOf('12')).toBeDefined());
    expect(toggle).toHaveAttribute('aria-expanded', 'true');
    expect(api.getActionSteps).toHaveBeenCalledWith('12');
  });

  it('marks an automatic rollback and the action it undid', async () => {
    const api = createFakeGitopsApi();
    api.getActions.mockResolvedValue({ items: makeAutoRolledBack() });
    api.getActionSteps.mockImplementation(async id => ({
      items: id === '31' ? makeFailedVerificationSteps() : [],
    }));
    await render(api);
    await screen.findAllByTestId('gitops-action-row', undefined, SLOW);

    expect(
      within(row('32')).getByTestId('gitops-action-auto-rollback'),
    ).toHaveTextContent('automatic rollback');
    expect(row('32')).toHaveTextContent(
      'automatic rollback: the verification of 1.4.3 (action #31) failed',
    );
    expect(
      within(row('31')).queryByTestId('gitops-action-auto-rollback'),
    ).not.toBeInTheDocument();
    expect(row('31')).toHaveTextContent(
      'rolled back automatically by rollback #32',
    );

    const timeline = within(
      screen.getByRole('region', { name: 'Deployment steps of action #31' }),
    );
    const smoke = await timeline.findByText('smoke');
    expect(smoke.closest('li')).toHaveTextContent('HTTP 500');
    expect(timeline.getByTestId('gitops-step-auto-rollback')).toHaveTextContent(
      'rollback #32',
    );
  });

  it('shows the steps of a new promotion in its dialog', async () => {
    const api = createFakeGitopsApi();
    await render(api);
    fireEvent.click(
      within(
        await screen.findByTestId('gitops-env-qa', undefined, SLOW),
      ).getByTestId('gitops-env-promote'),
    );
    const dialog = within(await screen.findByTestId('gitops-promote-dialog'));
    await dialog.findByTestId('gitops-preview-diff', undefined, SLOW);
    fireEvent.click(dialog.getByTestId('gitops-promote-confirm'));
    await dialog.findByTestId('gitops-action-result', undefined, SLOW);
    const created = await api.promote.mock.results[0].value;
    expect(
      dialog.getByRole('region', {
        name: `Deployment steps of action #${created.id}`,
      }),
    ).toBeInTheDocument();
    await waitFor(() =>
      expect(api.getActionSteps).toHaveBeenCalledWith(created.id),
    );
  });
});

/** #31's smoke test runs, then fails at the next poll; #32 has no steps. */
function stepsOf31(api: MockGitopsApi) {
  let polls = 0;
  api.getActionSteps.mockImplementation(async id => {
    if (id !== '31') return { items: [] };
    polls += 1;
    return {
      items:
        polls === 1
          ? makeRunningVerificationSteps()
          : makeFailedVerificationSteps(),
    };
  });
}

describe('GitopsTab: deployment steps, live', () => {
  beforeEach(() => jest.useFakeTimers({ advanceTimers: true }));
  afterEach(() => jest.useRealTimers());

  it('refetches the actions once the steps finished, and shows the automatic rollback', async () => {
    const api = createFakeGitopsApi();
    api.getActions.mockResolvedValue({ items: [makeVerifyingPromotion()] });
    stepsOf31(api);
    await render(api);
    await waitFor(() =>
      expect(timelineOf('31')).toHaveAttribute('data-live', 'true'),
    );
    const calls = api.getActions.mock.calls.length;

    // The smoke test fails; the backend rolled staging back meanwhile.
    api.getActions.mockResolvedValue({ items: makeAutoRolledBack() });
    await act(async () => {
      jest.advanceTimersByTime(5000);
    });
    await waitFor(() =>
      expect(api.getActions.mock.calls.length).toBeGreaterThan(calls),
    );
    await waitFor(() => expect(row('31')).toHaveTextContent('failed'));
    expect(
      within(row('32')).getByTestId('gitops-action-auto-rollback'),
    ).toBeInTheDocument();
    expect(timelineOf('31')).toHaveAttribute('data-live', 'false');

    // The action shows its end: no more refetches.
    const after = api.getActions.mock.calls.length;
    await act(async () => {
      jest.advanceTimersByTime(30_000);
    });
    expect(api.getActions.mock.calls.length).toBe(after);
  });

  it('refetches again when the backend wrote the end of the action a moment after the last step', async () => {
    const api = createFakeGitopsApi();
    api.getActions.mockResolvedValue({ items: [makeVerifyingPromotion()] });
    stepsOf31(api);
    await render(api);
    await waitFor(() =>
      expect(timelineOf('31')).toHaveAttribute('data-live', 'true'),
    );
    const calls = api.getActions.mock.calls.length;

    // The smoke test failed; the first refetch still finds #31 merged.
    await act(async () => {
      jest.advanceTimersByTime(5000);
    });
    await waitFor(() =>
      expect(api.getActions.mock.calls.length).toBeGreaterThan(calls),
    );
    expect(row('31')).toHaveTextContent('merged');

    api.getActions.mockResolvedValue({ items: makeAutoRolledBack() });
    await act(async () => {
      jest.advanceTimersByTime(5000);
    });
    await waitFor(() => expect(row('31')).toHaveTextContent('failed'));
    expect(
      within(row('32')).getByTestId('gitops-action-auto-rollback'),
    ).toBeInTheDocument();
  });
});
