import { pushedCommitsOf } from '../events/handlePush';
import { PushedRevisions } from './PushedRevisions';

const sha = (hex: string) => hex.padEnd(40, '0');

describe('revisions learnt from push webhooks', () => {
  it('resolves a pushed commit by its full sha and its short forms (7 to 12), nothing else', () => {
    const pushed = new PushedRevisions();
    const a = sha('1a2b3c4d5e6f7a8b9c');
    expect(pushed.remember({ shas: [a] })).toBe(1);
    for (const n of [7, 8, 12, 40])
      expect(pushed.resolve(a.slice(0, n))).toBe(a);
    expect(pushed.resolve(a.slice(0, 6))).toBeUndefined();
    expect(pushed.resolve(a.slice(0, 13))).toBeUndefined();
    expect(pushed.resolve('v1.2.3')).toBeUndefined();
    expect(pushed.resolve(sha('ffff'))).toBeUndefined();
  });

  it('leaves a short form two pushed commits share to GitHub, for good', () => {
    const pushed = new PushedRevisions();
    const a = sha('abcdef01');
    const b = sha('abcdef02');
    pushed.remember({ shas: [a, b] });
    expect(pushed.resolve('abcdef0')).toBeUndefined();
    expect(pushed.resolve('abcdef01')).toBe(a);
    expect(pushed.resolve('abcdef02')).toBe(b);
    // Pushed again: still ambiguous.
    pushed.remember({ shas: [a] });
    expect(pushed.resolve('abcdef0')).toBeUndefined();
  });

  it('stays within its bound', () => {
    const pushed = new PushedRevisions(70);
    const shas = Array.from({ length: 20 }, (_, i) =>
      sha(i.toString(16).padStart(8, '0')),
    );
    pushed.remember({ shas });
    // 7 entries per commit: the oldest ones are gone.
    expect(pushed.resolve(shas[0])).toBeUndefined();
    expect(pushed.resolve(shas[19])).toBe(shas[19]);
  });

  it('reads only full shas of a payload, at most 2048, and nothing of a deleted ref', () => {
    const a = sha('aa');
    const b = sha('bb');
    expect(
      pushedCommitsOf({
        commits: [{ id: a }, { id: 'not-a-sha' }, null, { id: 42 }, { id: a }],
        head_commit: { id: b },
      }),
    ).toEqual({ shas: [a, b] });
    expect(pushedCommitsOf({ deleted: true, commits: [{ id: a }] })).toEqual({
      shas: [],
    });
    expect(pushedCommitsOf(null)).toEqual({ shas: [] });
    expect(pushedCommitsOf({ commits: 'x', head_commit: null })).toEqual({
      shas: [],
    });
    const many = Array.from({ length: 3000 }, (_, i) => ({
      id: sha(i.toString(16).padStart(4, '0')),
    }));
    expect(pushedCommitsOf({ commits: many }).shas).toHaveLength(2048);
  });
});
