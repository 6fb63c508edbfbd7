/*
 * The repository routes served, in GitHub's spelling (the counters use these
 * names). Paths are below `/repos/{owner}/{repo}` (also reachable as
 * `/repositories/{id}`, which GitHub's Link headers use).
 */
import { Handler } from './http/context';
import { RouteSpec } from './http/router';
import { compareCommits, getCommit, listCommits } from './handlers/commits';
import { getContent } from './handlers/contents';
import {
  createBlob,
  createGitCommit,
  createTree,
  getBlob,
  getGitCommit,
  getTree,
} from './handlers/gitdata';
import {
  createRef,
  deleteRef,
  getRef,
  matchingRefs,
  updateRef,
} from './handlers/refs';
import {
  checkMerged,
  createPull,
  getPull,
  listPulls,
  mergePull,
  repoBody,
  updatePull,
} from './handlers/pulls';

const R = '/repos/{owner}/{repo}';
const D = 'https://docs.github.com/rest';

export const REPO_ROUTES: RouteSpec<Handler>[] = [
  {
    method: 'GET',
    path: R,
    handler: async ctx => ({
      status: 200,
      // `full-repository`: the repository plus a few counters.
      json: {
        ...repoBody(ctx),
        has_discussions: false,
        network_count: 0,
        subscribers_count: 0,
      },
    }),
    docs: `${D}/repos/repos#get-a-repository`,
  },
  {
    method: 'GET',
    path: `${R}/commits`,
    handler: listCommits,
    docs: `${D}/commits/commits#list-commits`,
  },
  {
    method: 'GET',
    path: `${R}/commits/{ref+}`,
    handler: getCommit,
    docs: `${D}/commits/commits#get-a-commit`,
  },
  {
    method: 'GET',
    path: `${R}/compare/{basehead+}`,
    handler: compareCommits,
    docs: `${D}/commits/commits#compare-two-commits`,
  },
  {
    method: 'GET',
    path: `${R}/contents/{path*}`,
    handler: getContent,
    docs: `${D}/repos/contents#get-repository-content`,
    scopes: '', // as recorded in @octokit/fixtures
  },
  {
    method: 'GET',
    path: `${R}/git/commits/{commit_sha}`,
    handler: getGitCommit,
    docs: `${D}/git/commits#get-a-commit-object`,
  },
  {
    method: 'POST',
    path: `${R}/git/commits`,
    handler: createGitCommit,
    write: true,
    docs: `${D}/git/commits#create-a-commit`,
  },
  {
    method: 'GET',
    path: `${R}/git/trees/{tree_sha+}`,
    handler: getTree,
    docs: `${D}/git/trees#get-a-tree`,
  },
  {
    method: 'POST',
    path: `${R}/git/trees`,
    handler: createTree,
    write: true,
    docs: `${D}/git/trees#create-a-tree`,
  },
  {
    method: 'GET',
    path: `${R}/git/blobs/{file_sha}`,
    handler: getBlob,
    docs: `${D}/git/blobs#get-a-blob`,
  },
  {
    method: 'POST',
    path: `${R}/git/blobs`,
    handler: createBlob,
    write: true,
    docs: `${D}/git/blobs#create-a-blob`,
  },
  {
    method: 'GET',
    path: `${R}/git/ref/{ref+}`,
    handler: getRef,
    docs: `${D}/git/refs#get-a-reference`,
  },
  {
    method: 'GET',
    path: `${R}/git/matching-refs/{ref*}`,
    handler: matchingRefs,
    docs: `${D}/git/refs#list-matching-references`,
  },
  {
    method: 'POST',
    path: `${R}/git/refs`,
    handler: createRef,
    write: true,
    docs: `${D}/git/refs#create-a-reference`,
  },
  {
    method: 'PATCH',
    path: `${R}/git/refs/{ref+}`,
    handler: updateRef,
    write: true,
    docs: `${D}/git/refs#update-a-reference`,
  },
  {
    method: 'DELETE',
    path: `${R}/git/refs/{ref+}`,
    handler: deleteRef,
    write: true,
    docs: `${D}/git/refs#delete-a-reference`,
  },
  {
    method: 'GET',
    path: `${R}/pulls`,
    handler: listPulls,
    docs: `${D}/pulls/pulls#list-pull-requests`,
  },
  {
    method: 'POST',
    path: `${R}/pulls`,
    handler: createPull,
    write: true,
    docs: `${D}/pulls/pulls#create-a-pull-request`,
  },
  {
    method: 'GET',
    path: `${R}/pulls/{pull_number}`,
    handler: getPull,
    docs: `${D}/pulls/pulls#get-a-pull-request`,
  },
  {
    method: 'PATCH',
    path: `${R}/pulls/{pull_number}`,
    handler: updatePull,
    write: true,
    docs: `${D}/pulls/pulls#update-a-pull-request`,
  },
  {
    method: 'GET',
    path: `${R}/pulls/{pull_number}/merge`,
    handler: checkMerged,
    docs: `${D}/pulls/pulls#check-if-a-pull-request-has-been-merged`,
  },
  {
    method: 'PUT',
    path: `${R}/pulls/{pull_number}/merge`,
    handler: mergePull,
    write: true,
    docs: `${D}/pulls/pulls#merge-a-pull-request`,
  },
];
