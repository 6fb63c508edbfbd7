/* A local Git repository with a known history, for the double to clone (built with git fast-import). */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export interface SourceRepo {
  dir: string;
  /** Commit shas on main, oldest first. */
  main: string[];
  remove(): void;
}

const T0 = Date.UTC(2024, 0, 1) / 1000;

function data(text: string): string {
  return `data ${Buffer.byteLength(text)}\n${text}\n`;
}

/**
 * `main` with a root commit (`README.md`, `apps/cart/values.yaml`, a
 * symlink `apps/cart/current.yaml` → `values.yaml`), then `extra` commits
 * `cart v1`, `cart v2`, … each setting `apps/cart/values.yaml` to
 * `tag: v<i>`. Commit i is dated 2024-01-01 + i minutes.
 */
export function createSourceRepo(extra = 2): SourceRepo {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gh-double-src-'));
  const git = (args: string[], input?: string) =>
    execFileSync('git', args, {
      cwd: dir,
      input,
      encoding: 'utf8',
      maxBuffer: 64 * 1024 * 1024,
      env: { ...process.env, GIT_CONFIG_NOSYSTEM: '1' },
    }).trim();
  git(['init', '-q', '--bare', '-b', 'main']);
  let stream = '';
  for (let i = 0; i <= extra; i++) {
    const who = `Alice <alice@example.com> ${T0 + i * 60} +0000`;
    stream += `commit refs/heads/main\nauthor ${who}\ncommitter ${who}\n`;
    stream += data(i === 0 ? 'root' : `cart v${i}`);
    if (i === 0) {
      stream += `M 100644 inline README.md\n${data('# gitops\n')}`;
      stream += `M 120000 inline apps/cart/current.yaml\n`;
      stream += `data ${'values.yaml'.length}\nvalues.yaml\n`;
    }
    stream += `M 100644 inline apps/cart/values.yaml\n${data(`tag: v${i}\n`)}`;
    stream += '\n';
  }
  git(['fast-import', '--quiet'], stream);
  const main = git(['rev-list', '--reverse', 'main']).split('\n');
  return {
    dir,
    main,
    remove: () => fs.rmSync(dir, { recursive: true, force: true }),
  };
}
