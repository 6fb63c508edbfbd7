import { pushedCommitsOf } from '../events/handlePush';
import { PushedRevisions } from './PushedRevisions';

const sha = (hex: string) => hex.padEnd(40, '0');

describe('revisions learnt from push webhooks', () => {
  it('resolves a pushed commit by its full sha only: short forms and other names are left to GitHub', () => {
    const pushed = new PushedRevisions();
    const a = sha('1a2b3c4d5e6f7a8b9c');
    expect(pushed.remember({ shas: [a, 'not-a-sha'] })).toBe(1);
    expect(pushed.resolve(a)).toBe(a);
    for (const n of [7, 8, 12, 39])
      expect(pushed.resolve(a.slice(0, n))).toBeUndefined();
    expect(pushed.resolve('v1.2.3')).toBeUndefined();
    expect(pushed.resolve(sha('ffff'))).toBeUndefined();
  });

  it('stays within its bound', () => {
    const pushed = new PushedRevisions(10);
    const shas = Array.from({ length: 20 }, (_, i) =>
      sha(i.toString(16).padStart(8, '0')),
    );
    pushed.remember({ shas });
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
