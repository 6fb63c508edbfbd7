import { PushedRevisions } from './PushedRevisions';

const sha = (prefix: string, fill: string) =>
  (prefix + fill.repeat(40)).slice(0, 40);

describe('PushedRevisions (hostile)', () => {
  it('keeps a short form two pushed commits share ambiguous "for good", even after later pushes fill the cache', () => {
    const revisions = new PushedRevisions(64);
    const legit = sha('abc1234', '1');
    // A commit crafted (28 bits: seconds of brute force) to share the 7-char prefix.
    const forged = sha('abc1234', '2');
    revisions.remember({ shas: [legit, forged] });
    expect(revisions.resolve('abc1234')).toBeUndefined();
    // Unrelated pushes evict the ambiguity marker (LRU) …
    for (let i = 0; i < 20; i++)
      revisions.remember({ shas: [sha(i.toString(16).padStart(7, 'f'), '3')] });
    // … then the forged commit is named again (a push of another branch).
    revisions.remember({ shas: [forged] });
    expect(revisions.resolve('abc1234')).toBeUndefined();
  });

  it('does not answer a short form with a pushed commit when it is only unique among pushed commits', () => {
    // The legit commit was pushed to another replica (or before a restart):
    // this replica only saw the crafted one, so a version tagged with the
    // legit commit's short sha resolves to the forged commit, no request.
    const revisions = new PushedRevisions();
    const forged = sha('abc1234', '2');
    revisions.remember({ shas: [forged] });
    expect(revisions.resolve('abc1234')).toBeUndefined();
  });
});
