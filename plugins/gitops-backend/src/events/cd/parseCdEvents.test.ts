import { fixture, HEAD } from '../__testUtils__/cdEvents';
import { parseArgoCdEvent } from './parseArgoCdEvent';
import { fluxEventHealth, parseFluxEvent } from './parseFluxEvent';

/** When the recorded notifications were received. */
const RECEIVED = Date.parse('2026-11-30T21:25:00Z');

describe('parseArgoCdEvent', () => {
  it('reads the documented template body (Go templates print missing annotations as <no value>)', () => {
    expect(parseArgoCdEvent(fixture('argocd-on-deployed'), RECEIVED)).toEqual({
      tool: 'argocd',
      kind: 'Application',
      name: 'guestbook-eu',
      namespace: 'argocd',
      targetNamespace: 'guestbook',
      hints: {},
      health: 'Healthy',
      sync: 'Synced',
      operationPhase: 'Succeeded',
      revision: HEAD,
      images: [
        'ghcr.io/acme/guestbook-ui:1.5.0',
        'docker.io/fluent/fluent-bit:3.1.9',
      ],
      at: Date.parse('2026-11-30T21:14:07Z'),
    });
  });

  it('a time far ahead of the portal clock is capped (it could otherwise shadow every later event)', () => {
    const received = Date.parse('2026-11-30T21:14:30Z');
    const event = parseArgoCdEvent(
      {
        ...fixture('argocd-on-deployed'),
        reconciledAt: '2099-01-01T00:00:00Z',
      },
      received,
    );
    expect(event.at).toBe(received + 5 * 60_000);
    expect(
      parseArgoCdEvent(
        { ...fixture('argocd-on-deployed'), reconciledAt: 'yesterday' },
        received,
      ).at,
    ).toBe(received);
  });

  it.each([
    [{ app: 'Not A Name' }, 'app is not a Kubernetes name'],
    [{ syncStatus: 'Maybe' }, 'syncStatus is not an Argo CD sync status'],
    [{ revision: 'not-a-sha!' }, 'revision holds no commit sha'],
    [{ service: 'x'.repeat(64) }, 'service is longer than 63 characters'],
    [{ images: 'ghcr.io/a:1' }, 'images must be a list of at most 50'],
  ])('refuses %p', (patch, message) => {
    expect(() =>
      parseArgoCdEvent({ ...fixture('argocd-on-deployed'), ...patch }, 1),
    ).toThrow(message);
  });
});

describe('parseFluxEvent', () => {
  it('reads a Kustomization event: the sha of main@sha1:<sha>, the time Flux gives', () => {
    expect(
      parseFluxEvent(fixture('flux-kustomization-reconciled'), RECEIVED),
    ).toMatchObject({
      tool: 'flux',
      kind: 'Kustomization',
      name: 'guestbook-ui-prod-us',
      namespace: 'flux-system',
      health: 'Healthy',
      revision: HEAD,
      reason: 'ReconciliationSucceeded',
      at: Date.parse('2026-11-30T21:15:11Z'),
    });
  });

  it('takes service and environment from the alert event metadata', () => {
    const event = fixture('flux-kustomization-reconciled');
    event.metadata['event.toolkit.fluxcd.io/service'] = 'guestbook-ui';
    event.metadata.environment = 'prod-us';
    expect(parseFluxEvent(event, 1)?.hints).toEqual({
      service: 'guestbook-ui',
      environment: 'prod-us',
    });
  });

  it('a HelmRelease event: its revision is a chart version, not a commit', () => {
    const event = fixture('flux-kustomization-reconciled');
    event.involvedObject = {
      ...event.involvedObject,
      kind: 'HelmRelease',
      apiVersion: 'helm.toolkit.fluxcd.io/v2',
    };
    event.reason = 'UpgradeSucceeded';
    event.metadata = { 'helm.toolkit.fluxcd.io/revision': '6.5.4' };
    expect(parseFluxEvent(event, 1)).toMatchObject({
      kind: 'HelmRelease',
      health: 'Healthy',
      revision: undefined,
    });
  });

  it('a source event is not a status', () => {
    expect(parseFluxEvent(fixture('flux-gitrepository-artifact'), 1)).toBe(
      null,
    );
  });

  it.each([
    ['ReconciliationSucceeded', 'info', 'Healthy'],
    ['UpgradeSucceeded', 'info', 'Healthy'],
    ['Progressing', 'info', 'Progressing'],
    ['DependencyNotReady', 'error', 'Progressing'],
    ['HealthCheckFailed', 'error', 'Degraded'],
    ['BuildFailed', 'error', 'Degraded'],
    ['ArtifactUpToDate', 'info', undefined],
  ])('reason %s (%s) reads %s', (reason, severity, health) => {
    expect(fluxEventHealth(reason, severity)).toBe(health);
  });
});
