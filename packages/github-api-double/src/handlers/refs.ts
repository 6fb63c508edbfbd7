/*
 * Refs: read one (404 when missing), list by prefix, create (422 "Reference
 * already exists"), update (422 "Update is not a fast forward" unless
 * `force`), delete (422 "Reference does not exist"). Every move is a
 * compare-and-set on the bare repository (`git update-ref <ref> <new> <old>`).
 */
import { ApiError, Reply } from '../http/reply';
import { Ctx } from '../http/context';
import { gitRef } from '../shapes/gitdata';
import { repoApi } from '../shapes/common';
import { SHA_RE } from '../util';
import { requireString } from './gitdata';

const DOCS = 'https://docs.github.com/rest/git/refs';

/** `heads/main` or `refs/heads/main` → `refs/heads/main`. */
const qualify = (ref: string) =>
  ref.startsWith('refs/') ? ref : `refs/${ref}`;

/** `GET /repos/{owner}/{repo}/git/ref/{ref}` */
export async function getRef(ctx: Ctx): Promise<Reply> {
  const r = await ctx.repo.git.readRef(qualify(ctx.params.ref));
  if (!r) {
    throw new ApiError(404, 'Not Found', {
      documentationUrl: `${DOCS}#get-a-reference`,
    });
  }
  return { status: 200, json: gitRef(ctx.urls, r) };
}

/** `GET /repos/{owner}/{repo}/git/matching-refs/{ref}` */
export async function matchingRefs(ctx: Ctx): Promise<Reply> {
  const prefix = qualify(ctx.params.ref ?? '');
  const refs = (await ctx.repo.git.listRefs('refs/')).filter(r =>
    r.ref.startsWith(prefix),
  );
  return { status: 200, json: refs.map(r => gitRef(ctx.urls, r)) };
}

async function objectOr422(ctx: Ctx, sha: string): Promise<void> {
  if (!SHA_RE.test(sha) || !(await ctx.repo.git.objectType(sha))) {
    throw new ApiError(422, 'Object does not exist', {
      documentationUrl: `${DOCS}#create-a-reference`,
    });
  }
}

/** `POST /repos/{owner}/{repo}/git/refs` */
export async function createRef(ctx: Ctx): Promise<Reply> {
  const ref = requireString(ctx.body, 'ref');
  const sha = requireString(ctx.body, 'sha');
  const git = ctx.repo.git;
  if (
    !ref.startsWith('refs/') ||
    ref.split('/').length < 3 ||
    !(await git.isValidRefName(ref))
  ) {
    throw new ApiError(422, 'Reference name is invalid', {
      documentationUrl: `${DOCS}#create-a-reference`,
    });
  }
  await objectOr422(ctx, sha);
  const exists = () =>
    new ApiError(422, 'Reference already exists', {
      documentationUrl: `${DOCS}#create-a-reference`,
    });
  if (await git.readRef(ref)) throw exists();
  if (!(await git.casRef(ref, sha, null))) throw exists();
  const created = (await git.readRef(ref))!;
  return {
    status: 201,
    json: gitRef(ctx.urls, created),
    headers: { location: `${repoApi(ctx.urls)}/git/${ref}` },
  };
}

/** `PATCH /repos/{owner}/{repo}/git/refs/{ref}` */
export async function updateRef(ctx: Ctx): Promise<Reply> {
  const ref = qualify(ctx.params.ref);
  const sha = requireString(ctx.body, 'sha');
  const force = ctx.body.force === true;
  const git = ctx.repo.git;
  const current = await git.readRef(ref);
  const docs = `${DOCS}#update-a-reference`;
  if (!current) {
    throw new ApiError(422, 'Reference does not exist', {
      documentationUrl: docs,
    });
  }
  await objectOr422(ctx, sha);
  if (!force && current.sha !== sha) {
    const ff =
      (await git.objectType(sha)) === 'commit' &&
      (await git.isAncestor(current.sha, sha));
    if (!ff) {
      throw new ApiError(422, 'Update is not a fast forward', {
        documentationUrl: docs,
      });
    }
  }
  if (!(await git.casRef(ref, sha, current.sha))) {
    // Moved under us by something outside the API (a push into the bare repository).
    throw new ApiError(422, 'Reference cannot be updated', {
      documentationUrl: docs,
    });
  }
  return { status: 200, json: gitRef(ctx.urls, (await git.readRef(ref))!) };
}

/** `DELETE /repos/{owner}/{repo}/git/refs/{ref}` */
export async function deleteRef(ctx: Ctx): Promise<Reply> {
  const ref = qualify(ctx.params.ref);
  const git = ctx.repo.git;
  const current = await git.readRef(ref);
  if (!current || !(await git.deleteRef(ref, current.sha))) {
    throw new ApiError(422, 'Reference does not exist', {
      documentationUrl: `${DOCS}#delete-a-reference`,
    });
  }
  return { status: 204 };
}
