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
import { signalApiRef } from '@backstage/plugin-signals-react';
import { gitopsApiRef } from '../../api';
import {
  MockGitopsApi,
  backendError,
  createFakeGitopsApi,
  currentUser,
  makeInbox,
} from '../../__testUtils__/fixtures';
import { fakeSignals } from '../../__testUtils__/fakeSignals';
import { ApprovalInbox } from './ApprovalInbox';

function render(
  api: MockGitopsApi,
  user = currentUser,
  signals?: ReturnType<typeof fakeSignals>,
) {
  return renderInTestApp(
    <TestApiProvider
      apis={[
        [gitopsApiRef, api],
        [identityApiRef, mockApis.identity({ userEntityRef: user })],
        ...(signals ? [[signalApiRef, signals.api] as const] : []),
      ]}
    >
      <ApprovalInbox />
    </TestApiProvider>,
  );
}

const row = (id: string) =>
  screen
    .getAllByTestId('gitops-inbox-row')
    .find(r => r.getAttribute('data-action-id') === id)!;

describe('ApprovalInbox', () => {
  it('lists what awaits an approval or a merge, across services', async () => {
    const api = createFakeGitopsApi();
    await render(api);
    const rows = await screen.findAllByTestId('gitops-inbox-row');
    expect(rows).toHaveLength(2);
    expect(api.getApprovalInbox).toHaveBeenCalled();
    expect(rows[0]).toHaveTextContent('guestbook-ui');
    expect(rows[0]).toHaveTextContent('awaiting approval');
    expect(rows[0]).toHaveTextContent('user:default/bob');
    expect(rows[0]).toHaveTextContent(
      'Release SAAS-1543 and SAAS-1550 to staging',
    );
    expect(rows[1]).toHaveTextContent('guestbook-api');
    expect(rows[1]).toHaveTextContent('pull request open');
    expect(rows[1]).toHaveTextContent('gitops/promotion-21');
  });

  it('approves with a comment', async () => {
    const api = createFakeGitopsApi();
    await render(api);
    await screen.findAllByTestId('gitops-inbox-row');
    fireEvent.click(
      await within(row('15')).findByTestId('gitops-action-approve'),
    );
    const dialog = within(await screen.findByTestId('gitops-approve-dialog'));
    expect(dialog.getByText(/Release SAAS-1543/)).toBeInTheDocument();
    fireEvent.change(dialog.getByTestId('gitops-approve-comment'), {
      target: { value: 'go' },
    });
    fireEvent.click(dialog.getByTestId('gitops-approve-confirm'));
    await waitFor(() => expect(api.approve).toHaveBeenCalledWith('15', 'go'));
    await waitFor(() => expect(api.getApprovalInbox).toHaveBeenCalledTimes(2));
  });

  it('merges an open pull request', async () => {
    const api = createFakeGitopsApi();
    await render(api);
    await screen.findAllByTestId('gitops-inbox-row');
    expect(
      within(row('21')).queryByTestId('gitops-action-approve'),
    ).not.toBeInTheDocument();
    fireEvent.click(within(row('21')).getByTestId('gitops-action-merge'));
    await waitFor(() => expect(api.merge).toHaveBeenCalledWith('21'));
    await waitFor(() => expect(api.getApprovalInbox).toHaveBeenCalledTimes(2));
    // Merge is not cancel: the inbox offers no Cancel.
    expect(
      within(row('21')).queryByTestId('gitops-action-cancel'),
    ).not.toBeInTheDocument();
  });

  it('hides Approve on the requests of the signed-in user', async () => {
    const api = createFakeGitopsApi();
    await render(api, 'user:default/bob');
    await screen.findAllByTestId('gitops-inbox-row');
    await waitFor(() =>
      expect(
        within(row('15')).queryByTestId('gitops-action-approve'),
      ).not.toBeInTheDocument(),
    );
  });

  it("shows the backend's error of a merge in the row", async () => {
    const api = createFakeGitopsApi();
    api.merge.mockRejectedValueOnce(
      await backendError(
        409,
        'Conflict',
        'ConflictError',
        'merging gitops/promotion-21 failed: main moved; gave up after 3 attempts',
      ),
    );
    await render(api);
    await screen.findAllByTestId('gitops-inbox-row');
    fireEvent.click(within(row('21')).getByTestId('gitops-action-merge'));
    expect(
      await within(row('21')).findByTestId('gitops-action-error'),
    ).toHaveTextContent(
      /^merging gitops\/promotion-21 failed: main moved; gave up after 3 attempts$/,
    );
  });

  it('says so when the inbox is empty or cannot be loaded', async () => {
    const api = createFakeGitopsApi();
    api.getApprovalInbox.mockResolvedValueOnce({ items: [] });
    const { unmount } = await render(api);
    expect(await screen.findByText('Nothing to approve')).toBeInTheDocument();
    unmount();

    api.getApprovalInbox.mockRejectedValueOnce(
      await backendError(
        401,
        'Unauthorized',
        'AuthenticationError',
        'no token',
      ),
    );
    await render(api);
    expect(await screen.findByTestId('gitops-inbox-error')).toHaveTextContent(
      'Could not load the approval inbox: no token',
    );
  });

  it('keeps the inbox shown while it is refetched', async () => {
    const api = createFakeGitopsApi();
    let resolve: (v: {
      items: ReturnType<typeof makeInbox>;
    }) => void = () => {};
    await render(api);
    await screen.findAllByTestId('gitops-inbox-row');
    api.getApprovalInbox.mockReturnValueOnce(
      new Promise(r => {
        resolve = r;
      }),
    );
    fireEvent.click(within(row('21')).getByTestId('gitops-action-merge'));
    await waitFor(() => expect(api.getApprovalInbox).toHaveBeenCalledTimes(2));
    expect(screen.getAllByTestId('gitops-inbox-row')).toHaveLength(2);
    resolve({ items: [makeInbox()[0]] });
    await waitFor(() =>
      expect(screen.getAllByTestId('gitops-inbox-row')).toHaveLength(1),
    );
  });
});

describe('ApprovalInbox: live updates', () => {
  beforeEach(() => jest.useFakeTimers({ advanceTimers: true }));
  afterEach(() => jest.useRealTimers());

  it('without signals, an empty inbox refetches every 60 s (not before): a new request shows up', async () => {
    const api = createFakeGitopsApi();
    api.getApprovalInbox.mockResolvedValueOnce({ items: [] });
    await render(api);
    expect(await screen.findByText('Nothing to approve')).toBeInTheDocument();
    const calls = api.getApprovalInbox.mock.calls.length;
    await act(async () => {
      jest.advanceTimersByTime(30_000);
    });
    expect(api.getApprovalInbox.mock.calls.length).toBe(calls);
    await act(async () => {
      jest.advanceTimersByTime(30_000);
    });
    expect(await screen.findAllByTestId('gitops-inbox-row')).toHaveLength(2);
    expect(api.getApprovalInbox.mock.calls.length).toBe(calls + 1);
  });

  it('with connected signals (heartbeats), does not poll; an action signal refetches it within 2 s', async () => {
    const api = createFakeGitopsApi();
    const signals = fakeSignals();
    await render(api, currentUser, signals);
    await screen.findAllByTestId('gitops-inbox-row');
    await signals.heartbeat();
    const calls = api.getApprovalInbox.mock.calls.length;
    for (let i = 0; i < 9; i++) {
      await act(async () => {
        jest.advanceTimersByTime(20_000);
      });
      await signals.heartbeat();
    }
    expect(api.getApprovalInbox.mock.calls.length).toBe(calls);

    await signals.send({
      key: 'c0ffee00c0ffee00c0ffee00c0ffee00',
      kind: 'action',
    });
    await act(async () => {
      jest.advanceTimersByTime(2000);
    });
    await waitFor(() =>
      expect(api.getApprovalInbox.mock.calls.length).toBe(calls + 1),
    );
  });
});
