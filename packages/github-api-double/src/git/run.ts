/*
 * Runs the git CLI: every read and write of the double goes through it, so
 * what the double answers is what Git says.
 */
import { spawn } from 'node:child_process';

/** Options that keep git's output machine-readable and its writes unsigned, whatever the user's config. */
const BASE_ARGS = [
  '-c',
  'core.quotepath=off',
  '-c',
  'safe.directory=*',
  '-c',
  'commit.gpgsign=false',
  '-c',
  'gc.auto=0',
];

/** A git command that exited with a non-zero status. */
export class GitError extends Error {
  constructor(
    readonly args: string[],
    readonly stderr: string,
    readonly code: number | null,
    readonly stdout: Buffer = Buffer.alloc(0),
  ) {
    super(
      `git ${args.join(' ')} failed (${code}): ${stderr
        .trim()
        .split('\n')
        .slice(-3)
        .join(' ')}`,
    );
    this.name = 'GitError';
  }
}

export interface GitRunOptions {
  /** Bytes for stdin. */
  input?: string | Buffer;
  /** Extra environment variables (identity, dates, index file). */
  env?: Record<string, string>;
  /** Exit codes that are answers rather than failures (e.g. 1 for "not an ancestor"). */
  okCodes?: number[];
}

/** Environment without the caller's repository, hooks or prompts. */
function baseEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const k of Object.keys(env)) {
    if (k.startsWith('GIT_')) delete env[k];
  }
  env.GIT_TERMINAL_PROMPT = '0';
  env.GIT_CONFIG_NOSYSTEM = '1';
  env.LC_ALL = 'C';
  return env;
}

/** Runs `git <args>` in `cwd`; resolves with stdout as bytes and the exit code. */
export function gitRaw(
  cwd: string,
  args: string[],
  options: GitRunOptions = {},
): Promise<{ stdout: Buffer; code: number }> {
  return new Promise((resolve, reject) => {
    const child = spawn('git', [...BASE_ARGS, ...args], {
      cwd,
      env: { ...baseEnv(), ...options.env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    child.on('error', reject);
    child.on('close', code => {
      const stdout = Buffer.concat(out);
      const ok = code === 0 || (options.okCodes ?? []).includes(code ?? -1);
      if (ok) resolve({ stdout, code: code ?? 0 });
      else
        reject(
          new GitError(args, Buffer.concat(err).toString('utf8'), code, stdout),
        );
    });
    child.stdin.on('error', () => undefined); // git may exit before reading stdin
    child.stdin.end(options.input ?? '');
  });
}

/** Runs `git <args>` in `cwd`; resolves with stdout as UTF-8 text. */
export async function git(
  cwd: string,
  args: string[],
  options: GitRunOptions = {},
): Promise<string> {
  return (await gitRaw(cwd, args, options)).stdout.toString('utf8');
}
