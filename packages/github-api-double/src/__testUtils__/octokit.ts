/* An Octokit (no retry, no throttling) pointed at a double. */
import { Octokit } from '@octokit/rest';

export const OWNER = 'acme';
export const REPO = 'gitops';
export const SLUG = `${OWNER}/${REPO}`;

export function octokitFor(url: string, token = 'test-token'): Octokit {
  return new Octokit({
    baseUrl: url,
    auth: token,
    userAgent: 'github-api-double-tests',
    log: { debug() {}, info() {}, warn() {}, error() {} },
  });
}

/** The error an Octokit call rejects with (status, message, response). */
export async function failure(p: Promise<unknown>): Promise<any> {
  try {
    await p;
  } catch (e) {
    return e;
  }
  throw new Error('expected the request to fail');
}
