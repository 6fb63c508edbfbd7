import { execFileSync } from 'node:child_process';
import { NAME_PATTERN } from '@gitops2/plugin-gitops-common';
import { changeBranch } from './changeBranches';

/** Whether Git accepts a branch name (git check-ref-format). */
function gitAccepts(branch: string): boolean {
  try {
    execFileSync('git', ['check-ref-format', `refs/heads/${branch}`]);
    return true;
  } catch {
    return false;
  }
}

/**
 * Hostile review: names the pipeline accepts (NAME_PATTERN) may hold ".."
 * or end in ".lock", which Git refuses in a branch name: the portal refuses
 * them clearly instead of failing in Git.
 */
describe('environment change branches are valid Git branch names', () => {
  it('every branch it names for a name the pipeline accepts is one Git accepts; names Git cannot hold ("a..b", "blue.lock") are refused with a clear message', () => {
    const names = ['a..b', 'blue.lock', 'prod.eu', 'x.lock.y'];
    for (const n of names) expect(NAME_PATTERN.test(n)).toBe(true);
    const named: string[] = [];
    const refused: string[] = [];
    for (const n of names)
      for (const change of [
        { kind: 'environment', environment: n },
        { kind: 'retire', environment: n },
        { kind: 'retire', environment: n, service: 'cart' },
        { kind: 'service', service: n },
      ] as const) {
        try {
          named.push(changeBranch(change));
        } catch (e) {
          refused.push(`${n}: ${(e as Error).name}: ${(e as Error).message}`);
        }
      }
    expect(named.filter(b => !gitAccepts(b))).toEqual([]);
    const why = (n: string) =>
      `${n}: InputError: "${n}" cannot be part of a Git branch name (".." or a ".lock" ending): rename it in the pipeline file to change it from the portal`;
    expect([...new Set(refused)]).toEqual([why('a..b'), why('blue.lock')]);
    expect(named).toContain('gitops/retire-cart@x.lock.y');
  });
});
