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

/** A blob larger than the `maxBytes` of catFiles: its size; never read. */
export interface SkippedBlob {
  skippedSize: number;
}

/**
 * Incremental reader of `git cat-file --batch` output: a header line
 * `<sha> <type> <size>` (or `<name> missing`), then `size` bytes and a
 * newline.
 */
class CatFileParser {
  readonly results: Array<string | undefined | SkippedBlob> = [];
  private header: Buffer[] = [];
  private body?: {
    type: string;
    size: number;
    /** Bytes still to come, the trailing newline included. */
    remaining: number;
    /** The content so far; undefined when it is not kept. */
    chunks?: Buffer[];
  };

  constructor(private readonly maxBytes: number) {}

  push(chunk: Buffer): void {
    let pos = 0;
    while (pos < chunk.length) {
      if (this.body) {
        const body = this.body;
        const take = Math.min(body.remaining, chunk.length - pos);
        body.chunks?.push(chunk.subarray(pos, pos + take));
        pos += take;
        body.remaining -= take;
        if (body.remaining === 0) this.finish(body);
        continue;
      }
      const nl = chunk.indexOf(0x0a, pos);
      if (nl < 0) {
        this.header.push(chunk.subarray(pos));
        return;
      }
      this.header.push(chunk.subarray(pos, nl));
      pos = nl + 1;
      const line = Buffer.concat(this.header).toString('utf8');
      this.header = [];
      if (line.endsWith(' missing') || line.endsWith(' ambiguous')) {
        this.results.push(undefined);
        continue;
      }
      const parts = line.split(' ');
      const size = Number(parts[parts.length - 1]);
      const type = parts[parts.length - 2];
      if (!Number.isSafeInteger(size) || size < 0) {
        throw new Error(`unexpected git cat-file header: ${line}`);
      }
      this.body = {
        type,
        size,
        remaining: size + 1,
        chunks: type === 'blob' && size <= this.maxBytes ? [] : undefined,
      };
    }
  }

  private finish(body: NonNullable<CatFileParser['body']>): void {
    this.body = undefined;
    if (body.type !== 'blob') this.results.push(undefined);
    else if (!body.chunks) this.results.push({ skippedSize: body.size });
    else {
      this.results.push(
        Buffer.concat(body.chunks).subarray(0, body.size).toString('utf8'),
      );
    }
  }
}

/**
 * `git cat-file --batch` for many `<rev>:<path>` objects in one process.
 * Returns the text of each blob, undefined for objects that do not exist
 * (or are not blobs), and a {@link SkippedBlob} for blobs over `maxBytes`:
 * their size comes from the object header and their bytes are dropped as
 * they stream by, so memory holds at most the blobs within the limit.
 */
export function catFiles(
  cwd: string,
  specs: string[],
  maxBytes = Number.POSITIVE_INFINITY,
): Promise<Array<string | undefined | SkippedBlob>> {
  if (specs.length === 0) return Promise.resolve([]);
  return new Promise((resolve, reject) => {
    const child = spawn('git', [...BASE_ARGS, 'cat-file', '--batch'], {
      cwd,
      env: gitEnv(),
    });
    const parser = new CatFileParser(maxBytes);
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => {
      try {
        parser.push(c);
      } catch (e) {
        child.kill();
        reject(e);
      }
    });
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('error', reject);
    child.on('close', code => {
      if (code !== 0) {
        reject(new GitCommandError(['cat-file', '--batch'], stderr, code));
      } else if (parser.results.length !== specs.length) {
        reject(
          new Error(
            `git cat-file output ended early at object ${parser.results.length}`,
          ),
        );
      } else {
        resolve(parser.results);
      }
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
