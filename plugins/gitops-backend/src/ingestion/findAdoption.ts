import type { GitSource } from '../git/types';
import type { ParsedPipeline } from '../pipeline/types';

/** Where the pipeline file first appeared (and parsed) in a history. */
export interface Adoption {
  /** The first commit at which the pipeline file exists and parses. */
  sha: string;
  /** The pipeline file there. */
  content: string;
  pipeline: ParsedPipeline;
  /**
   * The walk starts after this commit (undefined: at the root): at most
   * `maxCommits` commits before the pipeline are read.
   */
  since?: string;
  /** Commits before the pipeline that the walk reads. */
  before: number;
  /** Commits before the pipeline left unread (over `maxCommits`). */
  skipped: number;
}

/**
 * Pages through the first-parent history up to `until`, oldest first, to
 * the first commit where the pipeline file exists and parses: its pipeline
 * is then applied to the commits before it. Memory stays bounded: one page
 * of commits and the shas of the last `maxCommits` commits.
 */
export async function findAdoption(options: {
  source: GitSource;
  until: string;
  pipelineFile: string;
  parse: (content: string) => ParsedPipeline;
  maxCommits: number;
  pageSize: number;
}): Promise<Adoption | undefined> {
  const { source, pipelineFile } = options;
  // The last maxCommits + 1 shas: the window read, and the commit before it.
  const ring: string[] = new Array(options.maxCommits + 1);
  let count = 0;
  let since: string | undefined;
  for (;;) {
    const page = await source.listCommits({
      since,
      until: options.until,
      limit: options.pageSize,
    });
    if (page.length === 0) return undefined;
    for (const commit of page) {
      if (!commit.changedFiles || commit.changedFiles.includes(pipelineFile)) {
        const [content] = await source.readFiles([
          { sha: commit.sha, path: pipelineFile },
        ]);
        if (typeof content === 'string') {
          const pipeline = options.parse(content);
          if (!pipeline.fileError) {
            const skipped = Math.max(0, count - options.maxCommits);
            return {
              sha: commit.sha,
              content,
              pipeline,
              since:
                skipped > 0 ? ring[(skipped - 1) % ring.length] : undefined,
              before: count - skipped,
              skipped,
            };
          }
        }
      }
      ring[count % ring.length] = commit.sha;
      count++;
    }
    since = page[page.length - 1].sha;
    if (since === options.until) return undefined;
  }
}

/**
 * The last `maxCommits` first-parent commits up to `until`: the walk starts
 * after `since` (undefined: at the root). For a pipeline defined outside
 * the repository, which applies to its whole history.
 */
export async function historyWindow(options: {
  source: GitSource;
  until: string;
  maxCommits: number;
  pageSize: number;
}): Promise<{ since?: string; read: number; skipped: number }> {
  const ring: string[] = new Array(options.maxCommits + 1);
  let count = 0;
  let since: string | undefined;
  for (;;) {
    const page = await options.source.listCommits({
      since,
      until: options.until,
      limit: options.pageSize,
    });
    for (const commit of page) {
      ring[count % ring.length] = commit.sha;
      count++;
    }
    if (page.length === 0 || page[page.length - 1].sha === options.until) break;
    since = page[page.length - 1].sha;
  }
  const skipped = Math.max(0, count - options.maxCommits);
  return {
    since: skipped > 0 ? ring[(skipped - 1) % ring.length] : undefined,
    read: count - skipped,
    skipped,
  };
}
