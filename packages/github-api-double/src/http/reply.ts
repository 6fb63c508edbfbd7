/*
 * What a handler answers, and GitHub's error bodies
 * (`{message, documentation_url}`, plus `errors` for validation failures).
 */

/** A response before GitHub's common headers are added. */
export interface Reply {
  status: number;
  /** A JSON body. */
  json?: unknown;
  /** A non-JSON body (raw file, sha) with its media type. */
  raw?: {
    body: Buffer | string;
    /** e.g. `application/vnd.github.raw; charset=utf-8` */
    contentType: string;
    /** `x-github-media-type`, e.g. `github.v3; param=raw` */
    mediaType: string;
    /** A strong ETag to use instead of a hash of the body. */
    etag?: string;
  };
  headers?: Record<string, string>;
}

export const DOCS = 'https://docs.github.com/rest';

/** A request GitHub refuses; thrown by handlers, turned into a JSON error reply. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly extra: {
      documentationUrl?: string;
      errors?: unknown[];
      headers?: Record<string, string>;
    } = {},
  ) {
    super(message);
    this.name = 'ApiError';
  }

  toReply(defaultDocs: string): Reply {
    return {
      status: this.status,
      json: {
        message: this.message,
        ...(this.extra.errors ? { errors: this.extra.errors } : {}),
        documentation_url: this.extra.documentationUrl ?? defaultDocs,
        status: String(this.status),
      },
      headers: this.extra.headers,
    };
  }
}

export const notFound = () => new ApiError(404, 'Not Found');

/** 422 "Validation Failed" with one error entry, as GitHub words resource validations. */
export const validationFailed = (error: Record<string, unknown>) =>
  new ApiError(422, 'Validation Failed', { errors: [error] });

export const json = (
  status: number,
  body: unknown,
  headers?: Record<string, string>,
): Reply => ({
  status,
  json: body,
  headers,
});
