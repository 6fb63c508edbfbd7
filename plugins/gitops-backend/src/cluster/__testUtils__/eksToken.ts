/*
 * Checks an EKS bearer token the way EKS does (aws-iam-authenticator): a
 * `k8s-aws-v1.` + base64url presigned STS GetCallerIdentity URL whose
 * signature binds the `x-k8s-aws-id` header to the cluster. The SigV4
 * signature is computed here again with node:crypto (not with the SDK that
 * made it), from the secret key of the access key it names.
 */
import crypto from 'node:crypto';

const PREFIX = 'k8s-aws-v1.';

/** The presigned URL in an `Authorization: Bearer k8s-aws-v1.…` header. */
export function decodeEksToken(authorization: string | undefined) {
  const token = authorization?.replace(/^Bearer /, '');
  if (!token?.startsWith(PREFIX)) return undefined;
  const url = new URL(
    Buffer.from(token.slice(PREFIX.length), 'base64url').toString('utf8'),
  );
  return url;
}

const rfc3986 = (s: string) =>
  encodeURIComponent(s).replace(
    /[!'()*]/g,
    c => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
const sha256 = (s: string) =>
  crypto.createHash('sha256').update(s).digest('hex');
const hmac = (key: crypto.BinaryLike, s: string) =>
  crypto.createHmac('sha256', key).update(s).digest();

export interface EksTokenCheck {
  ok: boolean;
  reason?: string;
  accessKeyId?: string;
  region?: string;
}

/**
 * Whether `authorization` carries an EKS token for `clusterId`, signed with
 * the secret `secretOf(accessKeyId)` and dated within 15 minutes of now.
 */
export function checkEksToken(
  authorization: string | undefined,
  expected: {
    clusterId: string;
    secretOf: (accessKeyId: string) => string | undefined;
    now?: number;
  },
): EksTokenCheck {
  const url = decodeEksToken(authorization);
  if (!url) return { ok: false, reason: 'not a k8s-aws-v1 token' };
  const host = /^sts\.([a-z0-9-]+)\.amazonaws\.com$/.exec(url.hostname);
  if (url.protocol !== 'https:' || !host || url.pathname !== '/') {
    return { ok: false, reason: `not an STS URL: ${url.origin}` };
  }
  const q = url.searchParams;
  const [accessKeyId, day, region, service, terminal] = (
    q.get('X-Amz-Credential') ?? ''
  ).split('/');
  const amzDate = q.get('X-Amz-Date') ?? '';
  if (
    q.get('Action') !== 'GetCallerIdentity' ||
    q.get('Version') !== '2011-06-15' ||
    q.get('X-Amz-Algorithm') !== 'AWS4-HMAC-SHA256' ||
    q.get('X-Amz-SignedHeaders') !== 'host;x-k8s-aws-id' ||
    region !== host[1] ||
    service !== 'sts' ||
    terminal !== 'aws4_request' ||
    !amzDate.startsWith(day)
  ) {
    return { ok: false, reason: `not a GetCallerIdentity presign: ${url}` };
  }
  const signedAt = Date.parse(
    amzDate.replace(
      /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/,
      '$1-$2-$3T$4:$5:$6Z',
    ),
  );
  if (!(Math.abs((expected.now ?? Date.now()) - signedAt) <= 15 * 60_000)) {
    return { ok: false, reason: `dated ${amzDate}, not within 15 minutes` };
  }
  const secret = expected.secretOf(accessKeyId);
  if (!secret) return { ok: false, reason: `unknown access key` };
  const canonicalQuery = [...q.entries()]
    .filter(([k]) => k !== 'X-Amz-Signature')
    .map(([k, v]) => `${rfc3986(k)}=${rfc3986(v)}`)
    .sort()
    .join('&');
  const canonicalRequest = [
    'GET',
    '/',
    canonicalQuery,
    `host:${url.hostname}\nx-k8s-aws-id:${expected.clusterId}\n`,
    'host;x-k8s-aws-id',
    sha256(''),
  ].join('\n');
  const scope = `${day}/${region}/sts/aws4_request`;
  const stringToSign = [
    'AWS4-HMAC-SHA256',
    amzDate,
    scope,
    sha256(canonicalRequest),
  ].join('\n');
  const key = hmac(
    hmac(hmac(hmac(`AWS4${secret}`, day), region), 'sts'),
    'aws4_request',
  );
  const signature = crypto
    .createHmac('sha256', key)
    .update(stringToSign)
    .digest('hex');
  if (signature !== q.get('X-Amz-Signature')) {
    return {
      ok: false,
      reason: `signature does not match cluster "${expected.clusterId}"`,
    };
  }
  return { ok: true, accessKeyId, region };
}
