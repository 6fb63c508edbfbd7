import { fixture, SHOP_PIPELINE } from '../__testUtils__/cdEvents';
import { mapCdEvent } from './mapCdEvent';
import { parseArgoCdEvent } from './parseArgoCdEvent';
import { parseFluxEvent } from './parseFluxEvent';

const repos = [{ id: 'shop', pipeline: SHOP_PIPELINE }];
const watched = new Set(['staging']);
const argo = (patch: object = {}) =>
  parseArgoCdEvent({ ...fixture('argocd-on-deployed'), ...patch }, 0);

describe('mapCdEvent', () => {
  it('maps an Application named by the pipeline locator', () => {
    expect(mapCdEvent(argo(), repos, watched)).toEqual({
      target: {
        repositoryId: 'shop',
        service: 'guestbook-ui',
        environment: 'prod-eu',
      },
      matches: 1,
    });
  });

  it('maps a Flux Kustomization named <service>-<environment>', () => {
    const event = parseFluxEvent(fixture('flux-kustomization-reconciled'), 0)!;
    expect(mapCdEvent(event, repos, watched).target).toEqual({
      repositoryId: 'shop',
      service: 'guestbook-ui',
      environment: 'prod-us',
    });
  });

  it('explicit service and environment win over names, and name the watched cluster', () => {
    expect(
      mapCdEvent(
        argo({
          app: 'anything',
          service: 'guestbook-api',
          environment: 'staging',
        }),
        repos,
        watched,
      ).target,
    ).toEqual({
      repositoryId: 'shop',
      service: 'guestbook-api',
      environment: 'staging',
      watchedCluster: 'staging',
    });
  });

  it('an Application named after the service maps only through its destination namespace, and is ambiguous when several environments share it', () => {
    // guestbook-api deploys to namespace guestbook in all three environments.
    expect(mapCdEvent(argo({ app: 'guestbook-api' }), repos, watched)).toEqual({
      matches: 3,
    });
    expect(
      mapCdEvent(
        argo({ app: 'guestbook-api', destinationNamespace: 'other' }),
        repos,
        watched,
      ),
    ).toEqual({ matches: 0 });
  });

  it('a repository hint that names another repository maps nothing', () => {
    expect(
      mapCdEvent(argo({ gitopsRepository: 'platform' }), repos, watched),
    ).toEqual({ matches: 0 });
  });
});
