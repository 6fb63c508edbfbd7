import { mockServices } from '@backstage/backend-test-utils';
import { CoalescingTrigger } from './CoalescingTrigger';

const sleep = (ms: number) => new Promise(r => setTimeout(r, ms));

/** A trigger whose runs take `runMs` and record when they started. */
function counting(runMs: number, quietMs = 300, maxWaitMs = 2000) {
  const started: number[] = [];
  const trigger = new CoalescingTrigger(
    async () => {
      started.push(Date.now());
      await sleep(runMs);
    },
    { quietMs, maxWaitMs, logger: mockServices.logger.mock() },
  );
  return { trigger, started };
}

describe('coalescing pushes into ingestion runs', () => {
  it('runs a lone trigger at once, not after the quiet time', async () => {
    const { trigger, started } = counting(10);
    const at = Date.now();
    trigger.trigger('demo');
    await trigger.idle();
    expect(started).toHaveLength(1);
    expect(started[0] - at).toBeLessThan(150);
  });

  it('a burst of 20 triggers within a second of short runs costs 2 runs: the first at once, the rest once quiet', async () => {
    const { trigger, started } = counting(20);
    const at = Date.now();
    for (let i = 0; i < 20; i++) {
      trigger.trigger('demo');
      await sleep(50);
    }
    await trigger.idle();
    expect(started).toHaveLength(2);
    expect(started[0] - at).toBeLessThan(150);
    // The second once the burst went quiet (its last trigger ~950 ms in).
    expect(started[1] - at).toBeGreaterThanOrEqual(1200);
  });

  it('a trigger within the quiet time after a run waits for quiet; keys do not wait for each other', async () => {
    const { trigger, started } = counting(10, 200);
    trigger.trigger('demo');
    await trigger.idle();
    const again = Date.now();
    trigger.trigger('demo');
    trigger.trigger('other');
    await trigger.idle();
    expect(started).toHaveLength(3);
    const [, second, third] = started.map(t => t - again).sort((a, b) => a - b);
    expect(second).toBeLessThan(100); // `other`: idle, at once
    expect(third).toBeGreaterThanOrEqual(190); // `demo`: after quiet
    // Long after: idle again, at once.
    await sleep(250);
    const later = Date.now();
    trigger.trigger('demo');
    await trigger.idle();
    expect(started[3] - later).toBeLessThan(100);
  });
});
