import { mockServices } from '@backstage/backend-test-utils';
import { DefaultEventsService } from '@backstage/plugin-events-node';
import {
  GITOPS_INGESTED_TOPIC,
  refreshOnIngestion,
} from './refreshOnIngestion';

describe('refreshOnIngestion', () => {
  const events = () =>
    DefaultEventsService.create({ logger: mockServices.logger.mock() });

  it('refreshes the environment entities when the gitops plugin says it ingested new commits, and not on other topics', async () => {
    const bus = events();
    const refresh = jest.fn(async () => {});
    await refreshOnIngestion(bus, refresh);
    await bus.publish({ topic: 'github.push', eventPayload: {} });
    expect(refresh).not.toHaveBeenCalled();
    await bus.publish({
      topic: GITOPS_INGESTED_TOPIC,
      eventPayload: { repositoryId: 'demo', head: 'abc' },
    });
    expect(refresh).toHaveBeenCalledTimes(1);
  });

  it('coalesces events during a refresh into one more refresh after it, never two at once', async () => {
    const bus = events();
    let concurrent = 0;
    let most = 0;
    let release!: () => void;
    const first = new Promise<void>(r => (release = r));
    const refresh = jest.fn(async () => {
      concurrent++;
      most = Math.max(most, concurrent);
      if (refresh.mock.calls.length === 1) await first;
      concurrent--;
    });
    const sub = await refreshOnIngestion(bus, refresh);
    const publish = () =>
      bus.publish({ topic: GITOPS_INGESTED_TOPIC, eventPayload: {} });
    const p1 = publish();
    const p2 = publish();
    const p3 = publish();
    release();
    await Promise.all([p1, p2, p3]);
    await sub.idle();
    expect(refresh).toHaveBeenCalledTimes(2);
    expect(most).toBe(1);
  });

  it('a failing refresh does not stop the next event from refreshing', async () => {
    const bus = events();
    const refresh = jest
      .fn<Promise<void>, []>()
      .mockRejectedValueOnce(new Error('catalog down'))
      .mockResolvedValue(undefined);
    await refreshOnIngestion(bus, refresh);
    await bus.publish({ topic: GITOPS_INGESTED_TOPIC, eventPayload: {} });
    await bus.publish({ topic: GITOPS_INGESTED_TOPIC, eventPayload: {} });
    expect(refresh).toHaveBeenCalledTimes(2);
  });
});
