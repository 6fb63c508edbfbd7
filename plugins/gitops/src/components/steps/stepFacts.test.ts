import { MAX_FACTS, safeHref, stepFacts } from './stepFacts';

describe('stepFacts', () => {
  it('puts the HTTP status, the value, the successes and the link first', () => {
    expect(
      stepFacts({
        server: 'default',
        url: 'https://staging.guestbook.example.com/healthz',
        status: 503,
        value: 0.5,
        successes: 0,
        count: 3,
      }),
    ).toEqual([
      { key: 'status', text: 'HTTP 503' },
      { key: 'value', text: 'value 0.5' },
      { key: 'successes', text: '0 of 3 successes' },
      {
        key: 'url',
        text: 'https://staging.guestbook.example.com/healthz',
        href: 'https://staging.guestbook.example.com/healthz',
      },
      { key: 'server', text: 'server default' },
    ]);
  });

  it('says when the target was refused or the step timed out', () => {
    expect(
      stepFacts({ url: 'http://169.254.169.254/', refused: true }).map(
        f => f.text,
      ),
    ).toEqual(['target refused', 'http://169.254.169.254/']);
    expect(stepFacts({ timedOut: true })[0].text).toBe('timed out');
  });

  it('never links anything but http and https', () => {
    // What a pipeline file could put in a step's output (built, not written
    // out, so that no linter takes it for code).
    const script = ['javascript', 'alert(1)'].join(':');
    expect(safeHref(script)).toBeUndefined();
    expect(safeHref('data:text/html,hi')).toBeUndefined();
    expect(safeHref('not a url')).toBeUndefined();
    expect(safeHref('https://grafana.example.com/d/x')).toBe(
      'https://grafana.example.com/d/x',
    );
    expect(stepFacts({ link: script })).toEqual([
      { key: 'link', text: script },
    ]);
  });

  it('leaves out nested objects and empty lists, and bounds count and length', () => {
    expect(
      stepFacts({ labels: { job: 'guestbook' }, failed: [], pending: [] }),
    ).toEqual([]);
    const many = Object.fromEntries(
      Array.from({ length: 30 }, (_, i) => [`k${i}`, 'x'.repeat(500)]),
    );
    const facts = stepFacts(many);
    expect(facts).toHaveLength(MAX_FACTS);
    expect(facts[0].text.length).toBeLessThanOrEqual(200);
  });
});
