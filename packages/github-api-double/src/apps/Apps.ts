/*
 * GitHub Apps served by the double: their installations, the installation
 * access tokens minted for them (`ghs_…`, one hour by default, refused once
 * expired), and which credential a request carries: an app's JWT, an
 * installation token, or a personal token.
 */
import { KeyObject, randomBytes } from 'node:crypto';
import { organisationId } from '../shapes/common';
import {
  JwtIssuer,
  looksLikeJwt,
  publicKeyOf,
  verifyAppJwt,
  JWT_UNDECODABLE,
} from './jwt';

/** Repository permissions, as GitHub names them (`contents: 'write'`). */
export type AppPermissions = Record<string, 'read' | 'write'>;

/** An installation of an app on an account. */
export interface InstallationSpec {
  /** Default: assigned by the double. */
  id?: number;
  /** The account (organisation or user) login. */
  account: string;
  /** Only these repositories (names); default: all of the account's. */
  repositories?: string[];
  /** Default: the app's permissions. */
  permissions?: AppPermissions;
  suspended?: boolean;
}

/** A GitHub App the double knows (option `apps` of `start`). */
export interface AppSpec {
  /** App id: the JWT's `iss`. */
  id: number;
  /** Client ID (`Iv1.…`), also accepted as the JWT's `iss`, as GitHub does. */
  clientId?: string;
  /** Default `app-<id>`. */
  slug?: string;
  /** The app's key (PEM or KeyObject; a private key is reduced to its public half). */
  publicKey: string | KeyObject;
  /** Default: one installation on each owner of the served repositories. */
  installations?: InstallationSpec[];
  /**
   * Default repository permissions of its installations (default: contents,
   * pull requests write; checks, statuses, metadata read).
   */
  permissions?: AppPermissions;
  /** Lifetime of installation tokens in seconds (GitHub: 3600). */
  tokenLifetimeSeconds?: number;
}

export const DEFAULT_APP_PERMISSIONS: AppPermissions = {
  contents: 'write',
  metadata: 'read',
  pull_requests: 'write',
  checks: 'read',
  statuses: 'read',
};

/** An installation as served. */
export interface Installation {
  id: number;
  appId: number;
  appSlug: string;
  account: string;
  accountId: number;
  repositories?: string[];
  permissions: AppPermissions;
  suspended: boolean;
  createdAt: string;
}

/** A minted installation access token. */
export interface MintedToken {
  /** 1, 2, … in minting order. */
  seq: number;
  token: string;
  appId: number;
  installationId: number;
  /** ms */
  mintedAt: number;
  /** ms */
  expiresAt: number;
}

/** The credential of a request, once accepted. */
export type Credential =
  | { kind: 'token' }
  | { kind: 'app-jwt'; appId: number }
  | {
      kind: 'installation-token';
      appId: number;
      installationId: number;
      /** `seq` of the token. */
      mint: number;
    };

/** What a route accepts: an app JWT, an installation token, or a token of any kind (default). */
export type AuthRequirement = 'app' | 'installation' | undefined;

export type AuthVerdict =
  | { ok: true; credential: Credential }
  | { ok: false; status: number; message: string };

const BASE62 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/** `ghs_` and 36 characters, as GitHub's installation tokens look. */
function newInstallationToken(): string {
  const bytes = randomBytes(36);
  let out = 'ghs_';
  for (const b of bytes) out += BASE62[b % 62];
  return out;
}

interface AppState {
  spec: AppSpec;
  issuer: JwtIssuer;
}

export class Apps {
  private readonly apps: AppState[];
  private readonly tokens = new Map<string, MintedToken>();
  private readonly minted: MintedToken[] = [];
  private readonly installationIds = new Map<string, number>();
  private nextInstallationId = 70_000_001;

  constructor(
    specs: AppSpec[],
    private readonly now: () => number,
    private readonly owners: () => string[],
    private readonly createdAt: string,
  ) {
    this.apps = specs.map(spec => ({
      spec,
      issuer: {
        id: spec.id,
        clientId: spec.clientId,
        publicKey: publicKeyOf(spec.publicKey),
      },
    }));
  }

  get configured(): boolean {
    return this.apps.length > 0;
  }

  /** The installations of app `appId`, in id order. */
  installations(appId: number): Installation[] {
    const app = this.apps.find(a => a.spec.id === appId);
    if (!app) return [];
    const specs: InstallationSpec[] =
      app.spec.installations ??
      [...new Set(this.owners().map(o => o.toLowerCase()))]
        .sort()
        .map(account => ({
          account: this.owners().find(o => o.toLowerCase() === account)!,
        }));
    return specs.map(s => {
      const key = `${appId}/${s.account.toLowerCase()}`;
      let id = s.id ?? this.installationIds.get(key);
      if (id === undefined) {
        id = this.nextInstallationId++;
        this.installationIds.set(key, id);
      }
      return {
        id,
        appId,
        appSlug: app.spec.slug ?? `app-${appId}`,
        account: s.account,
        accountId: organisationId(s.account),
        repositories: s.repositories,
        permissions: {
          ...(s.permissions ?? app.spec.permissions ?? DEFAULT_APP_PERMISSIONS),
          metadata: 'read',
        },
        suspended: s.suspended ?? false,
        createdAt: this.createdAt,
      };
    });
  }

  installation(id: number): Installation | undefined {
    for (const a of this.apps) {
      const found = this.installations(a.spec.id).find(i => i.id === id);
      if (found) return found;
    }
    return undefined;
  }

  /** Whether an installation reaches `owner/name`. */
  covers(i: Installation, owner: string, name: string): boolean {
    if (i.account.toLowerCase() !== owner.toLowerCase()) return false;
    return (
      !i.repositories ||
      i.repositories.some(r => r.toLowerCase() === name.toLowerCase())
    );
  }

  /** Mints an installation access token. */
  mint(i: Installation): MintedToken {
    const app = this.apps.find(a => a.spec.id === i.appId)!;
    const lifetime = app.spec.tokenLifetimeSeconds ?? 3600;
    const mintedAt = this.now();
    const t: MintedToken = {
      seq: this.minted.length + 1,
      token: newInstallationToken(),
      appId: i.appId,
      installationId: i.id,
      mintedAt,
      expiresAt: mintedAt + lifetime * 1000,
    };
    this.tokens.set(t.token, t);
    this.minted.push(t);
    return t;
  }

  /** Every installation token minted so far, in order. */
  mintedTokens(): MintedToken[] {
    return this.minted.map(t => ({ ...t }));
  }

  /**
   * Accepts or refuses the token of a request to a route requiring `need`;
   * `personalToken` is the one personal token accepted (undefined: any).
   */
  authenticate(
    token: string,
    need: AuthRequirement,
    personalToken: string | undefined,
  ): AuthVerdict {
    const jwt = looksLikeJwt(token);
    if (need === 'app') {
      if (!jwt) return { ok: false, status: 401, message: JWT_UNDECODABLE };
      const v = verifyAppJwt(
        token,
        this.apps.map(a => a.issuer),
        Math.floor(this.now() / 1000),
      );
      if (!v.ok) return { ok: false, status: 401, message: v.message };
      return { ok: true, credential: { kind: 'app-jwt', appId: v.issuer.id } };
    }
    if (jwt && this.configured) {
      // An app's JWT opens the /app endpoints only.
      return {
        ok: false,
        status: 403,
        message: 'Resource not accessible by integration',
      };
    }
    if (token.startsWith('ghs_')) {
      const t = this.tokens.get(token);
      if (!t || t.expiresAt <= this.now()) {
        return { ok: false, status: 401, message: 'Bad credentials' };
      }
      return {
        ok: true,
        credential: {
          kind: 'installation-token',
          appId: t.appId,
          installationId: t.installationId,
          mint: t.seq,
        },
      };
    }
    if (personalToken !== undefined && token !== personalToken) {
      return { ok: false, status: 401, message: 'Bad credentials' };
    }
    if (need === 'installation') {
      return {
        ok: false,
        status: 403,
        message:
          'You must authenticate with an installation access token in order to list repositories for an installation.',
      };
    }
    return { ok: true, credential: { kind: 'token' } };
  }
}
