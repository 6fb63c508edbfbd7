import { execFile, spawn } from 'node:child_process';

/** Git options that keep output machine-readable whatever the user config. */
const BASE_ARGS = ['-c', 'core.quotepath=off', '-c', 'safe.directory=*'];

export class GitCommandError extends Error {
  constructor(
    readonly args: string[],
    readonly stderr: string,
    readonly code: number | null,
  ) {
    super(
      `git ${args.join(' ')} failed (${code}): ${stderr
        .trim()
        .split('\n')
        .slice(-3)
        .join(' ')}`,
    );
    this.name = 'GitCommandError';
  }
}

/** Options of runGit: text for stdin, extra environment variables. */
export interface RunGitOptions {
  input?: string;
  env?: Record<string, string>;
}

/** Runs git in `cwd` and returns stdout. */
export function runGit(
  cwd: string,
  args: string[],
  options: RunGitOptions = {},
): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = execFile(
      'git',
      [...BASE_ARGS, ...args],
      {
        cwd,
        maxBuffer: 1024 * 1024 * 1024,
        encoding: 'utf8',
        env: { ...gitEnv(), ...options.env },
      },
      (err, stdout, stderr) => {
        if (err) {
          const code =
            typeof (err as any).code === 'number' ? (err as any).code : null;
          reject(new GitCommandError(args, stderr || err.message, code));
        } else {
          resolve(stdout);
        }
      },
    );
    if (options.input !== undefined) child.stdin?.end(options.input);
  });
}

/**
 * `git cat-file --batch` for many `<rev>:<path>` objects in one process.
 * Returns undefined for objects that do not exist.
 */
export function catFiles(
  cwd: string,
  specs: string[],
): Promise<Array<string | undefined>> {
  if (specs.length === 0) return Promise.resolve([]);
  return new Promise((resolve, reject) => {
    const child = spawn('git', [...BASE_ARGS, 'cat-file', '--batch'], {
      cwd,
      env: gitEnv(),
    });
    const chunks: Buffer[] = [];
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => chunks.push(c));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('error', reject);
    child.on('close', code => {
      if (code !== 0) {
        reject(new GitCommandError(['cat-file', '--batch'], stderr, code));
        return;
      }
      const out = Buffer.concat(chunks);
      const results: Array<string | undefined> = [];
      let pos = 0;
      for (let i = 0; i < specs.length; i++) {
        const nl = out.indexOf(0x0a, pos);
        if (nl < 0) {
          reject(new Error(`git cat-file output ended early at object ${i}`));
          return;
        }
        const header = out.subarray(pos, nl).toString('utf8');
        pos = nl + 1;
        if (header.endsWith(' missing') || header.endsWith(' ambiguous')) {
          results.push(undefined);
          continue;
        }
        const parts = header.split(' ');
        const size = Number(parts[parts.length - 1]);
        const type = parts[parts.length - 2];
        const body = out.subarray(pos, pos + size);
        pos += size + 1; // content is followed by a newline
        results.push(type === 'blob' ? body.toString('utf8') : undefined);
      }
      resolve(results);
    });
    // Object names may not contain newlines; paths come from the validated
    // pipeline file, so this only guards against misuse.
    child.stdin.end(`${specs.map(s => s.replace(/\n/g, '')).join('\n')}\n`);
  });
}

function gitEnv(): NodeJS.ProcessEnv {
  return {
    ...process.env,
    GIT_TERMINAL_PROMPT: '0',
    GIT_CONFIG_NOSYSTEM: '1',
    LC_ALL: 'C',
  };
}
