import { mockServices } from '@backstage/backend-test-utils';
import { ConfigReader } from '@backstage/config';
import { cdIngresses } from './cdEventsModule';

describe('cdIngresses', () => {
  it('registers only the tools with a secret, and logs why the others are closed', () => {
    const logger = mockServices.logger.mock();
    const ingresses = cdIngresses(
      new ConfigReader({
        gitops: { events: { argocd: { secret: 'short' } } },
      }),
      logger,
    );
    expect(ingresses).toEqual([]);
    expect(logger.warn.mock.calls.map(([m]) => m)).toEqual([
      'gitops.events.argocd.secret is shorter than 16 characters: /api/events/http/gitops.argocd is not registered, argocd events are refused',
    ]);
    expect(logger.info.mock.calls.map(([m]) => m)).toEqual([
      'gitops.events.flux.secret is not set: /api/events/http/gitops.flux is not registered, flux events are refused',
    ]);
  });

  it('warns when events.http.topics opens a topic without a validator', () => {
    const logger = mockServices.logger.mock();
    const ingresses = cdIngresses(
      new ConfigReader({
        events: { http: { topics: ['gitops.flux'] } },
        gitops: { events: { flux: { secret: 'a-long-enough-secret' } } },
      }),
      logger,
    );
    expect(ingresses.map(i => i.topic)).toEqual(['gitops.flux']);
    expect(logger.error).toHaveBeenCalledWith(
      expect.stringContaining('events.http.topics lists gitops.flux'),
    );
  });
});
