/*
 * The JSON Web Token a GitHub App authenticates as itself with (RS256,
 * signed with the app's private key; `iss` the app id or client id, `iat`
 * and `exp` at most ten minutes apart), checked as GitHub checks it and
 * refused with GitHub's messages (which @octokit/auth-app reacts to).
 */
import { createPublicKey, KeyObject, verify } from 'node:crypto';

export const JWT_UNDECODABLE = 'A JSON web token could not be decoded';
export const JWT_EXPIRED =
  "'Expiration time' claim ('exp') must be a numeric value representing the future time at which the assertion expires";
export const JWT_TOO_LONG =
  "'Expiration time' claim ('exp') is too far in the future";
export const JWT_IAT =
  "'Issued at' claim ('iat') must be an Integer representing the time that the assertion was issued";

/** Three base64url parts, a JSON header first (`eyJ` is `{"`). */
export const looksLikeJwt = (token: string) =>
  /^eyJ[A-Za-z0-9_-]*\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/.test(token);

export interface JwtIssuer {
  id: number;
  clientId?: string;
  publicKey: KeyObject;
}

export type JwtVerdict =
  | { ok: true; issuer: JwtIssuer }
  | { ok: false; message: string };

function part(s: string): any {
  return JSON.parse(Buffer.from(s, 'base64url').toString('utf8'));
}

/** Verifies `token` against the apps' public keys at `nowSeconds`. */
export function verifyAppJwt(
  token: string,
  issuers: JwtIssuer[],
  nowSeconds: number,
): JwtVerdict {
  const [h, p, s] = token.split('.');
  let header: any;
  let payload: any;
  try {
    header = part(h);
    payload = part(p);
  } catch {
    return { ok: false, message: JWT_UNDECODABLE };
  }
  if (header?.alg !== 'RS256' || typeof payload !== 'object' || !payload) {
    return { ok: false, message: JWT_UNDECODABLE };
  }
  const issuer = issuers.find(
    i =>
      String(i.id) === String(payload.iss) ||
      (i.clientId !== undefined && i.clientId === payload.iss),
  );
  const signed = Buffer.from(`${h}.${p}`);
  const signature = Buffer.from(s ?? '', 'base64url');
  if (!issuer || !verify('RSA-SHA256', signed, issuer.publicKey, signature)) {
    return { ok: false, message: JWT_UNDECODABLE };
  }
  const { iat, exp } = payload;
  if (!Number.isInteger(iat) || iat > nowSeconds + 60) {
    return { ok: false, message: JWT_IAT };
  }
  if (!Number.isInteger(exp) || exp <= nowSeconds) {
    return { ok: false, message: JWT_EXPIRED };
  }
  if (exp - iat > 600) return { ok: false, message: JWT_TOO_LONG };
  return { ok: true, issuer };
}

/** A public key from PEM (public or private) or a KeyObject. */
export function publicKeyOf(key: string | KeyObject): KeyObject {
  if (typeof key !== 'string') {
    return key.type === 'private' ? createPublicKey(key) : key;
  }
  return createPublicKey(key.replace(/\\n/g, '\n'));
}
