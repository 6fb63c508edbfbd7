import { fireEvent, screen, waitFor, within } from '@testing-library/react';
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
  backendError,
  createFakeGitopsApi,
  currentUser,
  entity,
  makeActions,
} from '../../__testUtils__/fixtures';
import { GitopsTab } from './GitopsTab';

const ref = { kind: 'Component', namespace: 'default', name: 'guestbook-ui' };

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

async function card(name: string) {
  await screen.findByTestId('gitops-pipeline');
  return within(screen.getByTestId(`gitops-env-${name}`));
}

async function openPromote(api: MockGitopsApi, source: string) {
  await render(api);
  fireEvent.click((await card(source)).getByTestId('gitops-env-promote'));
  const dialog = await screen.findByTestId('gitops-promote-dialog');
  await within(dialog).findByTestId('gitops-preview-diff');
  return within(dialog);
}

// Each test renders the whole tab and walks a dialog: seconds on 2 loaded
// cores, past Jest's default of 5 s (the full npm test hit it).
jest.setTimeout(60_000);

describe('GitopsTab: promote', () => {
  it('offers Promote only on environments followed by a stage', async () => {
    const api = createFakeGitopsApi();
    await render(api);
    for (const name of ['dev', 'qa']) {
      expect(
        (await card(name)).getByTestId('gitops-env-promote'),
      ).toBeInTheDocument();
    }
    // prod is the last stage; staging has no version (broken manifest).
    for (const name of ['prod-us', 'prod-eu', 'staging']) {
      expect(
        (await card(name)).queryByTestId('gitops-env-promote'),
      ).not.toBeInTheDocument();
    }
  });

  it('previews the diff and the gates, and disables the confirm button on a failed gate', async () => {
    const api = createFakeGitopsApi();
    const dialog = await openPromote(api, 'dev');

    expect(api.previewPromotion).toHaveBeenCalledWith(ref, {
      sourceEnvironment: 'dev',
    });
    expect(dialog.getByTestId('gitops-preview-target-qa')).toHaveTextContent(
      '1.4.2 → 1.5.0-rc.2',
    );
    const diff = dialog.getByTestId('gitops-preview-diff');
    expect(diff).toHaveTextContent(
      'qa: apps/guestbook-ui/overlays/qa/kustomization.yaml',
    );
    const lines = [...diff.querySelectorAll('[data-diff-line]')];
    expect(
      lines
        .filter(l => l.getAttribute('data-diff-line') === 'removed')
        .map(l => l.textContent),
    ).toEqual(['-    newTag: 1.4.2 # managed by gitops2']);
    expect(
      lines
        .filter(l => l.getAttribute('data-diff-line') === 'added')
        .map(l => l.textContent),
    ).toEqual(['+    newTag: 1.5.0-rc.2 # managed by gitops2']);

    expect(dialog.getAllByTestId('gitops-gate-passed').length).toBeGreaterThan(
      0,
    );
    expect(dialog.getByTestId('gitops-gate-failed')).toHaveTextContent(
      'required check trivy-scan failed on 1.5.0-rc.2',
    );
    expect(dialog.getByTestId('gitops-promote-blocked')).toHaveTextContent(
      'Cannot promote: checks: required check trivy-scan failed on 1.5.0-rc.2',
    );
    expect(dialog.getByTestId('gitops-promote-confirm')).toBeDisabled();
    expect(api.promote).not.toHaveBeenCalled();
  });

  it('shows the change set the promotion brings, from the pending changes', async () => {
    const api = createFakeGitopsApi();
    const dialog = await openPromote(api, 'qa');
    expect(api.getPendingChanges).toHaveBeenCalledWith(ref, 'qa', 'staging');
    const changeSet = await dialog.findByTestId(
      'gitops-promote-change-set-view',
    );
    expect(changeSet).toHaveTextContent('SAAS-1543');
    expect(changeSet).toHaveTextContent('SAAS-1550');
    expect(dialog.getByTestId('gitops-gate-pending')).toHaveTextContent(
      'needs 1 approval',
    );
  });

  it('requests the promotion with the reason, shows "awaiting approval" and refetches the tab', async () => {
    const api = createFakeGitopsApi();
    const dialog = await openPromote(api, 'qa');
    const calls = {
      status: api.getServiceStatus.mock.calls.length,
      rollouts: api.getRollouts.mock.calls.length,
      actions: api.getActions.mock.calls.length,
      holds: api.getHolds.mock.calls.length,
    };

    fireEvent.change(dialog.getByTestId('gitops-promote-reason'), {
      target: { value: 'Release SAAS-1543' },
    });
    expect(dialog.getByTestId('gitops-promote-confirm')).toBeEnabled();
    fireEvent.click(dialog.getByTestId('gitops-promote-confirm'));

    const result = await dialog.findByTestId('gitops-action-result');
    expect(result).toHaveAttribute('data-state', 'awaiting-approval');
    expect(result).toHaveTextContent('is awaiting approval (0 of 1)');
    expect(api.promote).toHaveBeenCalledWith(
      ref,
      { sourceEnvironment: 'qa', reason: 'Release SAAS-1543' },
      expect.stringMatching(/^[A-Za-z0-9._:-]{8,128}$/),
    );
    await waitFor(() => {
      expect(api.getServiceStatus.mock.calls.length).toBeGreaterThan(
        calls.status,
      );
      expect(api.getRollouts.mock.calls.length).toBeGreaterThan(calls.rollouts);
      expect(api.getActions.mock.calls.length).toBeGreaterThan(calls.actions);
      expect(api.getHolds.mock.calls.length).toBeGreaterThan(calls.holds);
    });
    // The new request is listed, the dialog is still open.
    await waitFor(() =>
      expect(screen.getAllByTestId('gitops-action-row')).toHaveLength(5),
    );
    expect(screen.getByTestId('gitops-promote-dialog')).toBeInTheDocument();
  });

  it('sends the same idempotency key when the request is retried', async () => {
    const api = createFakeGitopsApi();
    api.promote.mockRejectedValueOnce(new TypeError('Failed to fetch'));
    const dialog = await openPromote(api, 'qa');

    fireEvent.click(dialog.getByTestId('gitops-promote-confirm'));
    expect(await dialog.findByTestId('gitops-promote-error')).toHaveTextContent(
      'Failed to fetch',
    );
    fireEvent.click(dialog.getByTestId('gitops-promote-confirm'));
    await dialog.findByTestId('gitops-action-result');

    expect(api.promote).toHaveBeenCalledTimes(2);
    const [first, second] = api.promote.mock.calls;
    expect(second[2]).toBe(first[2]);

    // Opening the dialog again is another intent: another key.
    fireEvent.click(screen.getByRole('button', { name: 'Close' }));
    await waitFor(() =>
      expect(
        screen.queryByTestId('gitops-promote-dialog'),
      ).not.toBeInTheDocument(),
    );
    fireEvent.click((await card('qa')).getByTestId('gitops-env-promote'));
    const again = within(await screen.findByTestId('gitops-promote-dialog'));
    await again.findByTestId('gitops-preview-diff');
    fireEvent.click(again.getByTestId('gitops-promote-confirm'));
    await again.findByTestId('gitops-action-result');
    expect(api.promote.mock.calls[2][2]).not.toBe(first[2]);
  });

  it("shows the backend's error message verbatim", async () => {
    const api = createFakeGitopsApi();
    api.promote.mockRejectedValueOnce(
      await backendError(
        409,
        'Conflict',
        'ConflictError',
        'refused by gates: hold (prod-eu): v2 was rolled back by user:default/nadia: INC-2211',
      ),
    );
    const dialog = await openPromote(api, 'qa');
    fireEvent.click(dialog.getByTestId('gitops-promote-confirm'));
    expect(await dialog.findByTestId('gitops-promote-error')).toHaveTextContent(
      /^refused by gates: hold \(prod-eu\): v2 was rolled back by user:default\/nadia: INC-2211$/,
    );
    // Still possible to retry.
    expect(dialog.getByTestId('gitops-promote-confirm')).toBeEnabled();
  });

  it('merges a promotion whose pull request is open', async () => {
    const api = createFakeGitopsApi();
    api.promote.mockResolvedValueOnce({
      ...makeActions()[1],
      id: '40',
      state: 'pull-request-open',
      branch: 'gitops/promotion-40',
      pullRequestUrl: undefined,
    });
    api.merge.mockResolvedValueOnce({
      ...makeActions()[1],
      id: '40',
      state: 'merged',
      commitSha: 'abcdef1234567890abcdef1234567890abcdef12',
    });
    const dialog = await openPromote(api, 'qa');
    fireEvent.click(dialog.getByTestId('gitops-promote-confirm'));

    const result = await dialog.findByTestId('gitops-action-result');
    expect(result).toHaveTextContent(
      'pull request open (branch gitops/promotion-40)',
    );
    fireEvent.click(dialog.getByTestId('gitops-action-result-merge'));
    await waitFor(() =>
      expect(dialog.getByTestId('gitops-action-result')).toHaveAttribute(
        'data-state',
        'merged',
      ),
    );
    expect(api.merge).toHaveBeenCalledWith('40');
    expect(dialog.getByTestId('gitops-action-result')).toHaveTextContent(
      'is merged (abcdef1)',
    );
  });

  it('says why the preview failed', async () => {
    const api = createFakeGitopsApi();
    api.previewPromotion.mockRejectedValueOnce(
      await backendError(
        403,
        'Forbidden',
        'NotAllowedError',
        'gitops.promote denied for staging',
      ),
    );
    await render(api);
    fireEvent.click((await card('qa')).getByTestId('gitops-env-promote'));
    const dialog = within(await screen.findByTestId('gitops-promote-dialog'));
    expect(await dialog.findByTestId('gitops-promote-error')).toHaveTextContent(
      'Could not preview the promotion: gitops.promote denied for staging',
    );
    expect(dialog.getByTestId('gitops-promote-confirm')).toBeDisabled();
  });
});

describe('GitopsTab: roll back', () => {
  async function openRollback(api: MockGitopsApi, environment: string) {
    await render(api);
    fireEvent.click(
      (await card(environment)).getByTestId('gitops-env-rollback'),
    );
    const dialog = within(await screen.findByTestId('gitops-rollback-dialog'));
    await dialog.findByTestId('gitops-preview-diff');
    return dialog;
  }

  it('requires a reason, offers earlier versions, and rolls back (emergency) with a hold afterwards', async () => {
    const api = createFakeGitopsApi();
    const dialog = await openRollback(api, 'dev');

    // Default: the previous version, as the backend decides it.
    expect(api.previewRollback).toHaveBeenLastCalledWith(
      ref,
      expect.objectContaining({ environment: 'dev' }),
    );
    expect(api.previewRollback.mock.calls[0][1].version).toBeUndefined();
    expect(dialog.getByTestId('gitops-preview-target-dev')).toHaveTextContent(
      '1.5.0-rc.2 → 1.4.2',
    );
    const select = dialog.getByTestId('gitops-rollback-version');
    await waitFor(() =>
      expect([...select.querySelectorAll('option')].map(o => o.value)).toEqual([
        '',
        '1.4.2',
        '1.4.1',
      ]),
    );

    // No reason: the confirm button stays disabled.
    expect(dialog.getByTestId('gitops-rollback-confirm')).toBeDisabled();
    fireEvent.blur(dialog.getByTestId('gitops-rollback-reason'));
    expect(dialog.getByText(/A reason is required/)).toBeInTheDocument();

    fireEvent.change(select, { target: { value: '1.4.1' } });
    await waitFor(() =>
      expect(dialog.getByTestId('gitops-preview-target-dev')).toHaveTextContent(
        '1.5.0-rc.2 → 1.4.1',
      ),
    );
    expect(
      dialog
        .getByTestId('gitops-preview-diff')
        .querySelector('[data-diff-line="added"]')?.textContent,
    ).toBe('+    newTag: 1.4.1 # managed by gitops2');
    fireEvent.click(dialog.getByTestId('gitops-rollback-emergency'));
    fireEvent.change(dialog.getByTestId('gitops-rollback-reason'), {
      target: { value: 'rc.2 breaks the login page' },
    });
    await waitFor(() =>
      expect(dialog.getByTestId('gitops-rollback-confirm')).toBeEnabled(),
    );
    fireEvent.click(dialog.getByTestId('gitops-rollback-confirm'));

    const result = await dialog.findByTestId('gitops-action-result');
    expect(result).toHaveAttribute('data-state', 'merged');
    expect(api.rollback).toHaveBeenCalledWith(
      ref,
      {
        environment: 'dev',
        version: '1.4.1',
        reason: 'rc.2 breaks the login page',
        emergency: true,
      },
      expect.any(String),
    );
    // After the refetch, the dev card shows the hold on the rolled-back version.
    const hold = await (await card('dev')).findByTestId('gitops-env-hold');
    expect(hold).toHaveTextContent(
      'Hold: 1.5.0-rc.2 (rc.2 breaks the login page, by alice, just now)',
    );
  });

  it('reuses the idempotency key on a retry, and makes a new one for another version', async () => {
    const api = createFakeGitopsApi();
    api.rollback
      .mockRejectedValueOnce(new TypeError('Failed to fetch'))
      .mockRejectedValueOnce(new TypeError('Failed to fetch'));
    const dialog = await openRollback(api, 'dev');
    fireEvent.change(dialog.getByTestId('gitops-rollback-reason'), {
      target: { value: 'rc.2 is broken' },
    });
    fireEvent.click(dialog.getByTestId('gitops-rollback-confirm'));
    expect(
      await dialog.findByTestId('gitops-rollback-error'),
    ).toHaveTextContent('Failed to fetch');
    fireEvent.click(dialog.getByTestId('gitops-rollback-confirm'));
    await waitFor(() => expect(api.rollback).toHaveBeenCalledTimes(2));
    const [first, second] = api.rollback.mock.calls;
    expect(second[2]).toBe(first[2]);

    const select = dialog.getByTestId('gitops-rollback-version');
    await waitFor(() =>
      expect(select.querySelectorAll('option')).toHaveLength(3),
    );
    fireEvent.change(select, { target: { value: '1.4.1' } });
    await waitFor(() =>
      expect(dialog.getByTestId('gitops-preview-target-dev')).toHaveTextContent(
        '→ 1.4.1',
      ),
    );
    fireEvent.click(dialog.getByTestId('gitops-rollback-confirm'));
    await dialog.findByTestId('gitops-action-result');
    const third = api.rollback.mock.calls[2];
    expect(third[1].version).toBe('1.4.1');
    expect(third[2]).not.toBe(first[2]);
  });

  it("shows the backend's error of a rollback", async () => {
    const api = createFakeGitopsApi();
    api.rollback.mockRejectedValueOnce(
      await backendError(
        409,
        'Conflict',
        'ConflictError',
        'prod-us is busy with promotion #15',
      ),
    );
    const dialog = await openRollback(api, 'prod-us');
    fireEvent.change(dialog.getByTestId('gitops-rollback-reason'), {
      target: { value: 'INC-2300' },
    });
    fireEvent.click(dialog.getByTestId('gitops-rollback-confirm'));
    expect(
      await dialog.findByTestId('gitops-rollback-error'),
    ).toHaveTextContent(/^prod-us is busy with promotion #15$/);
  });
});

describe('GitopsTab: holds', () => {
  it('shows the hold of an environment and lifts it with a reason', async () => {
    const api = createFakeGitopsApi();
    await render(api);
    const prodUs = await card('prod-us');
    const hold = await prodUs.findByTestId('gitops-env-hold');
    expect(hold).toHaveTextContent(
      'Hold: 1.4.2 (SAAS-1543 makes the cookie banner unreadable (INC-2211), by dave, 5 hours ago)',
    );
    expect(
      (await card('prod-eu')).queryByTestId('gitops-env-hold'),
    ).not.toBeInTheDocument();

    fireEvent.click(within(hold).getByTestId('gitops-env-hold-lift'));
    const dialog = within(await screen.findByTestId('gitops-lift-hold-dialog'));
    expect(dialog.getByTestId('gitops-lift-hold-confirm')).toBeDisabled();
    fireEvent.change(dialog.getByTestId('gitops-lift-hold-reason'), {
      target: { value: 'fixed in 1.4.3 (#158)' },
    });
    fireEvent.click(dialog.getByTestId('gitops-lift-hold-confirm'));

    await waitFor(() =>
      expect(
        screen
          .getByTestId('gitops-env-prod-us')
          .querySelector('[data-testid="gitops-env-hold"]'),
      ).toBeNull(),
    );
    expect(api.liftHold).toHaveBeenCalledWith('7', 'fixed in 1.4.3 (#158)');
  });

  it('shows why a hold could not be lifted', async () => {
    const api = createFakeGitopsApi();
    api.liftHold.mockRejectedValueOnce(
      await backendError(
        403,
        'Forbidden',
        'NotAllowedError',
        'gitops.rollback denied for prod-us',
      ),
    );
    await render(api);
    const hold = await (await card('prod-us')).findByTestId('gitops-env-hold');
    fireEvent.click(within(hold).getByTestId('gitops-env-hold-lift'));
    const dialog = within(await screen.findByTestId('gitops-lift-hold-dialog'));
    fireEvent.change(dialog.getByTestId('gitops-lift-hold-reason'), {
      target: { value: 'fixed' },
    });
    fireEvent.click(dialog.getByTestId('gitops-lift-hold-confirm'));
    expect(
      await dialog.findByTestId('gitops-lift-hold-error'),
    ).toHaveTextContent('gitops.rollback denied for prod-us');
  });
});

describe('GitopsTab: promotions and rollbacks', () => {
  const row = (id: string) =>
    screen
      .getAllByTestId('gitops-action-row')
      .find(r => r.getAttribute('data-action-id') === id)!;

  it('lists the actions with state, kind, environments, version, requester and approvals', async () => {
    const api = createFakeGitopsApi();
    await render(api);
    const rows = await screen.findAllByTestId('gitops-action-row');
    expect(rows.map(r => r.getAttribute('data-action-id'))).toEqual([
      '15',
      '14',
      '13',
      '12',
    ]);
    expect(rows[0]).toHaveTextContent('awaiting approval');
    expect(rows[0]).toHaveTextContent('promotion #15');
    expect(rows[0]).toHaveTextContent('qa → staging');
    expect(rows[0]).toHaveTextContent('1.4.2');
    expect(rows[0]).toHaveTextContent('user:default/bob');
    expect(rows[0]).toHaveTextContent('0/1');
    expect(rows[2]).toHaveTextContent('staging → prod-us, prod-eu');
    expect(rows[2]).toHaveTextContent('1/2');
    expect(rows[2]).toHaveTextContent('user:default/carol: LGTM');
    expect(rows[3]).toHaveTextContent('rollback #12');
    expect(rows[3]).toHaveTextContent('succeeded');
    expect(
      within(rows[1]).getByRole('link', { name: /pull request/ }),
    ).toHaveAttribute(
      'href',
      'https://github.com/acme/platform-gitops/pull/88',
    );
  });

  it('offers Approve only on the requests of others, Merge on open pull requests, Cancel while waiting', async () => {
    const api = createFakeGitopsApi();
    await render(api);
    await screen.findAllByTestId('gitops-action-row');
    await waitFor(() =>
      expect(
        within(row('15')).getByTestId('gitops-action-approve'),
      ).toBeInTheDocument(),
    );
    // 13 is awaiting approval too, but it is alice's own request.
    expect(
      within(row('13')).queryByTestId('gitops-action-approve'),
    ).not.toBeInTheDocument();
    expect(
      within(row('13')).getByTestId('gitops-action-cancel'),
    ).toBeInTheDocument();
    expect(
      within(row('14')).getByTestId('gitops-action-merge'),
    ).toBeInTheDocument();
    expect(
      within(row('15')).queryByTestId('gitops-action-merge'),
    ).not.toBeInTheDocument();
    // 12 is done: no button but the toggle of its deployment steps.
    expect(
      Array.from(row('12').querySelectorAll('button'), b => b.textContent),
    ).toEqual(['Steps']);
  });

  it('approves with a comment, merges and cancels, refetching the list', async () => {
    const api = createFakeGitopsApi();
    await render(api);
    await screen.findAllByTestId('gitops-action-row');

    fireEvent.click(
      await within(row('15')).findByTestId('gitops-action-approve'),
    );
    const dialog = within(await screen.findByTestId('gitops-approve-dialog'));
    fireEvent.change(dialog.getByTestId('gitops-approve-comment'), {
      target: { value: 'checked the e2e run' },
    });
    fireEvent.click(dialog.getByTestId('gitops-approve-confirm'));
    await waitFor(() =>
      expect(row('15')).toHaveTextContent('pull request open'),
    );
    expect(api.approve).toHaveBeenCalledWith('15', 'checked the e2e run');
    expect(row('15')).toHaveTextContent(
      'user:default/alice: checked the e2e run',
    );

    fireEvent.click(within(row('14')).getByTestId('gitops-action-merge'));
    await waitFor(() => expect(row('14')).toHaveTextContent('merged'));
    expect(api.merge).toHaveBeenCalledWith('14');

    fireEvent.click(within(row('13')).getByTestId('gitops-action-cancel'));
    await waitFor(() => expect(row('13')).toHaveTextContent('cancelled'));
    expect(api.cancel).toHaveBeenCalledWith('13');
  });

  it("shows the backend's error of an approval", async () => {
    const api = createFakeGitopsApi();
    api.approve.mockRejectedValueOnce(
      await backendError(
        403,
        'Forbidden',
        'NotAllowedError',
        'approvers must belong to group:default/sre',
      ),
    );
    await render(api);
    await screen.findAllByTestId('gitops-action-row');
    fireEvent.click(
      await within(row('15')).findByTestId('gitops-action-approve'),
    );
    const dialog = within(await screen.findByTestId('gitops-approve-dialog'));
    fireEvent.click(dialog.getByTestId('gitops-approve-confirm'));
    expect(
      await dialog.findByText('approvers must belong to group:default/sre'),
    ).toBeInTheDocument();
  });

  it('says so when the actions cannot be loaded, and still shows the pipeline', async () => {
    const api = createFakeGitopsApi();
    api.getActions.mockRejectedValue(
      await backendError(404, 'Not Found', 'NotFoundError', 'not found'),
    );
    await render(api);
    expect(await screen.findByTestId('gitops-actions-error')).toHaveTextContent(
      'Could not load promotions and rollbacks: not found',
    );
    expect(screen.getByTestId('gitops-pipeline')).toBeInTheDocument();
  });
});

describe('GitopsTab: live updates', () => {
  afterEach(() => {
    jest.useRealTimers();
  });

  it('without signals, refetches the actions and the status every 60 s (not before): a merge done elsewhere shows', async () => {
    jest.useFakeTimers({ advanceTimers: true });
    const api = createFakeGitopsApi();
    await render(api);
    await screen.findAllByTestId('gitops-action-row');
    const statusCalls = api.getServiceStatus.mock.calls.length;
    const actionCalls = api.getActions.mock.calls.length;

    // Someone merged #14 meanwhile.
    const merged = makeActions().map(a =>
      a.id === '14' ? { ...a, state: 'merged' as const } : a,
    );
    api.getActions.mockResolvedValue({ items: merged });
    jest.advanceTimersByTime(30_000);
    await Promise.resolve();
    expect(api.getActions.mock.calls.length).toBe(actionCalls);
    jest.advanceTimersByTime(30_000);
    await waitFor(() => {
      expect(api.getActions.mock.calls.length).toBe(actionCalls + 1);
      expect(api.getServiceStatus.mock.calls.length).toBe(statusCalls + 1);
    });
    await waitFor(() =>
      expect(
        screen
          .getAllByTestId('gitops-action-row')
          .find(r => r.getAttribute('data-action-id') === '14'),
      ).toHaveTextContent('merged'),
    );
  });

  it('updates the result in an open dialog when the request changed elsewhere', async () => {
    jest.useFakeTimers({ advanceTimers: true });
    const api = createFakeGitopsApi();
    const dialog = await openPromote(api, 'qa');
    fireEvent.click(dialog.getByTestId('gitops-promote-confirm'));
    const result = await dialog.findByTestId('gitops-action-result');
    expect(result).toHaveAttribute('data-state', 'awaiting-approval');
    const created = await api.promote.mock.results[0].value;

    // Bob approves it in his browser.
    const approved = {
      ...created,
      state: 'pull-request-open' as const,
      approvals: [
        { approver: 'user:default/bob', at: new Date().toISOString() },
      ],
      branch: `gitops/promotion-${created.id}`,
      updatedAt: new Date(Date.now() + 1000).toISOString(),
    };
    api.getActions.mockResolvedValue({
      items: [approved, ...makeActions()],
    });
    // Without signals, the tab's 60 s fallback brings it.
    jest.advanceTimersByTime(60_000);
    await waitFor(() =>
      expect(dialog.getByTestId('gitops-action-result')).toHaveAttribute(
        'data-state',
        'pull-request-open',
      ),
    );
    expect(dialog.getByTestId('gitops-action-result-merge')).toBeEnabled();
  });

  it('keeps the pipeline shown when a refetch fails', async () => {
    const api = createFakeGitopsApi();
    await render(api);
    await screen.findAllByTestId('gitops-action-row');
    api.getServiceStatus.mockRejectedValueOnce(new Error('backend restarting'));
    fireEvent.click(
      within(
        screen
          .getAllByTestId('gitops-action-row')
          .find(r => r.getAttribute('data-action-id') === '14')!,
      ).getByTestId('gitops-action-merge'),
    );
    expect(await screen.findByTestId('gitops-refresh-error')).toHaveTextContent(
      'backend restarting',
    );
    expect(screen.getByTestId('gitops-pipeline')).toBeInTheDocument();
  });
});
