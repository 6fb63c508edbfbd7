import { GitHubApiClient, NOT_FOUND } from './GitHubApiClient';
import type { ApiContent, CallContext, Response } from './githubApiTypes';
import { SHA_RE, encodePath, fileKey, mapLimit, toText } from './githubHelpers';
import { LruCache } from './LruCache';
import { FileContent, OversizedFile } from './types';

/**
 * File contents at commits, through the contents endpoint: bounded by size,
 * cached by commit sha and path, one request per file in flight.
 */
export class GitHubFileReader {
  private readonly files: LruCache<string | null | OversizedFile>;
  private readonly inFlight = new Map<string, Promise<FileContent>>();

  constructor(
    private readonly client: GitHubApiClient,
    private readonly concurrency: number,
    fileCacheSize: number,
    private readonly maxFileBytes: number,
  ) {
    this.files = new LruCache(fileCacheSize);
  }

  async readFiles(
    requests: Array<{ sha: string; path: string }>,
  ): Promise<FileContent[]> {
    const unique = new Map<string, { sha: string; path: string }>();
    for (const r of requests) unique.set(fileKey(r.sha, r.path), r);
    const results = new Map<string, FileContent>();
    await mapLimit(
      [...unique.entries()],
      this.concurrency,
      async ([key, r]) => {
        results.set(key, await this.readFile(key, r.sha, r.path));
      },
    );
    return requests.map(r => results.get(fileKey(r.sha, r.path)));
  }

  private readFile(
    key: string,
    sha: string,
    path: string,
  ): Promise<FileContent> {
    const cached = this.files.get(key);
    if (cached !== undefined) return Promise.resolve(cached ?? undefined);
    const running = this.inFlight.get(key);
    if (running) return running;
    const promise = (async (): Promise<FileContent> => {
      // The object media type gives the size with the content (base64, up
      // to GitHub's 1 MB; nothing above): a file over the limit is refused
      // before decoding, and above 1 MB without downloading it at all.
      const res = await this.call(
        `GET /repos/{owner}/{repo}/contents/${encodePath(path)}`,
        { ref: sha, headers: { accept: 'application/vnd.github.object+json' } },
        { what: `${path} at ${sha.slice(0, 12)}`, notFound: () => NOT_FOUND },
      ).catch(e => {
        if (e === NOT_FOUND) return undefined;
        throw e;
      });
      const data = res?.data as ApiContent | undefined;
      let content: FileContent;
      // A directory, a submodule or a symlink out of the repository: no file.
      if (data?.type !== 'file' || typeof data.size !== 'number') {
        content = undefined;
      } else if (data.size > this.maxFileBytes) {
        content = new OversizedFile(path, data.size, this.maxFileBytes);
      } else if (data.encoding === 'base64') {
        content = Buffer.from(data.content ?? '', 'base64').toString('utf8');
      } else {
        // Over GitHub's 1 MB the content is left out ("none"): ask for it raw.
        content = await this.readRaw(sha, path);
      }
      if (
        SHA_RE.test(sha) &&
        (typeof content !== 'string' || content.length <= 1024 * 1024)
      ) {
        this.files.set(key, content ?? null);
      }
      return content;
    })().finally(() => this.inFlight.delete(key));
    this.inFlight.set(key, promise);
    return promise;
  }

  /** A file's content with the raw media type (files over GitHub's 1 MB). */
  private async readRaw(sha: string, path: string): Promise<FileContent> {
    const res = await this.call(
      `GET /repos/{owner}/{repo}/contents/${encodePath(path)}`,
      { ref: sha, headers: { accept: 'application/vnd.github.raw' } },
      { what: `${path} at ${sha.slice(0, 12)}`, notFound: () => NOT_FOUND },
    ).catch(e => {
      if (e === NOT_FOUND) return undefined;
      throw e;
    });
    if (!res) return undefined;
    const bytes =
      res.data instanceof ArrayBuffer
        ? res.data.byteLength
        : Buffer.byteLength(String(res.data ?? ''));
    // The size was checked already; this only guards a changing answer.
    if (bytes > this.maxFileBytes)
      return new OversizedFile(path, bytes, this.maxFileBytes);
    return toText(res.data);
  }

  private call(
    route: string,
    params: Record<string, unknown>,
    ctx: CallContext,
  ): Promise<Response> {
    return this.client.call(route, params, ctx);
  }
}
