import ipaddr from 'ipaddr.js';
import net from 'node:net';
import { TargetRefusedError } from './TargetRefusedError';

/**
 * Which URLs the steps may reach (docs/configuration.md "Steps: outbound
 * requests"). The pipeline file is anyone's who can commit to the GitOps
 * repository; without this, an `http` step would make the backend their
 * proxy into the cluster network and the cloud metadata service.
 *
 * `gitops.steps.allowedTargets` entries are one of:
 *   - a host: `api.example.com`, `*.example.com` (subdomains only) or
 *     `api.example.com:8443` (that port only): http and https, any path;
 *   - a URL prefix: `https://hooks.slack.com/services/` (same scheme, host
 *     and port; the path starts with the prefix's, at a `/`);
 *   - an address or range: `10.20.0.5`, `10.20.0.0/16`, `fd00::/8`: URLs
 *     naming such an address, and allowed hosts resolving into it.
 * Every address a host resolves to must be a public unicast address, or
 * lie in a listed address or range; loopback, private, link-local
 * (169.254.169.254), unique-local, CGNAT, multicast, reserved and
 * unspecified (0.0.0.0, ::) addresses are refused otherwise.
 */

type Entry =
  | {
      kind: 'host';
      text: string;
      host: string;
      wildcard: boolean;
      port?: string;
    }
  | { kind: 'prefix'; text: string; url: URL }
  | { kind: 'range'; text: string; range: [ipaddr.IPv4 | ipaddr.IPv6, number] };

const HOST_ENTRY =
  /^(\*\.)?([A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*)(?::([0-9]{1,5}))?$/;

/** The problem of one allowlist entry, or undefined (config validation). */
export function targetEntryProblem(text: string): string | undefined {
  try {
    parseEntry(text);
    return undefined;
  } catch (e) {
    return (e as Error).message;
  }
}

function parseEntry(text: string): Entry {
  const rule =
    'must be a host (api.example.com, *.example.com, host:port), an http(s) URL prefix, or an IP address or CIDR range';
  if (/^https?:\/\//i.test(text)) {
    let url: URL;
    try {
      url = new URL(text);
    } catch {
      throw new Error(rule);
    }
    if (url.username || url.password || url.search || url.hash) {
      throw new Error(
        'a URL prefix may not hold credentials, a query or a fragment',
      );
    }
    return { kind: 'prefix', text, url };
  }
  const bare = text.replace(/^\[(.*)\]$/, '$1');
  if (net.isIP(bare) || (text.includes('/') && !text.includes('://'))) {
    try {
      const range = text.includes('/')
        ? ipaddr.parseCIDR(text)
        : ([ipaddr.parse(bare), net.isIPv6(bare) ? 128 : 32] as [
            ipaddr.IPv4 | ipaddr.IPv6,
            number,
          ]);
      if (range[0].kind() === 'ipv4' && !net.isIPv4(text.split('/')[0])) {
        throw new Error(rule);
      }
      return { kind: 'range', text, range };
    } catch {
      throw new Error(rule);
    }
  }
  const m = HOST_ENTRY.exec(text);
  if (!m || (m[3] && Number(m[3]) > 65535)) throw new Error(rule);
  return {
    kind: 'host',
    text,
    wildcard: Boolean(m[1]),
    host: m[2].toLowerCase(),
    port: m[3],
  };
}

function effectivePort(url: URL): string {
  return url.port || (url.protocol === 'https:' ? '443' : '80');
}

function bareHost(url: URL): string {
  return url.hostname.replace(/^\[(.*)\]$/, '$1').toLowerCase();
}

/** `::ffff:127.0.0.1` is 127.0.0.1: classify what the socket would reach. */
function toAddress(ip: string): ipaddr.IPv4 | ipaddr.IPv6 {
  return ipaddr.process(ip);
}

const RANGE_NAMES: Record<string, string> = {
  loopback: 'a loopback address',
  private: 'a private address',
  linkLocal: 'a link-local address (cloud metadata services live here)',
  uniqueLocal: 'a unique-local (private IPv6) address',
  unspecified: 'the unspecified address',
  carrierGradeNat: 'a carrier-grade NAT address',
  multicast: 'a multicast address',
  broadcast: 'the broadcast address',
  reserved: 'a reserved address',
};

/** Why an address may not be reached (unless listed), or undefined. */
export function addressProblem(ip: string): string | undefined {
  let address: ipaddr.IPv4 | ipaddr.IPv6;
  try {
    address = toAddress(ip);
  } catch {
    return `${ip} is not an IP address`;
  }
  const range = address.range();
  if (range === 'unicast') return undefined;
  return `${address.toString()} is ${
    RANGE_NAMES[range] ?? `not a public address (${range})`
  }`;
}

export interface TargetPolicyConfig {
  allowedTargets: string[];
  /** Hosts of the pipeline's environment URLs may be reached (public addresses only). */
  allowEnvironmentUrls: boolean;
}

/** What a URL check found: the entry it matched, for the address check. */
export interface TargetMatch {
  url: URL;
  /** The host to resolve, or the literal address. */
  host: string;
  literal: boolean;
  /** Matched only as an environment's URL (never on a private address). */
  environmentOnly: boolean;
  /** The URL names an address that an allowlist entry names. */
  addressListed: boolean;
}

export class TargetPolicy {
  private readonly entries: Entry[];

  constructor(private readonly config: TargetPolicyConfig) {
    this.entries = config.allowedTargets.map(parseEntry);
  }

  /**
   * Is this URL's target listed? Throws `TargetRefusedError` with the
   * reason; nothing has been resolved or sent yet.
   */
  checkUrl(rawUrl: string, environmentUrls: string[] = []): TargetMatch {
    let url: URL;
    try {
      url = new URL(rawUrl);
    } catch {
      throw new TargetRefusedError(rawUrl, 'it is not a valid URL');
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      throw new TargetRefusedError(
        rawUrl,
        `${url.protocol} URLs are not allowed (http and https only)`,
      );
    }
    if (url.username || url.password) {
      throw new TargetRefusedError(
        rawUrl,
        'URLs with credentials are not allowed (use a header with {secret:NAME})',
      );
    }
    const host = bareHost(url);
    const literal = net.isIP(host) !== 0;
    const port = effectivePort(url);
    const matched = this.entries.find(e => {
      switch (e.kind) {
        case 'host':
          return (
            (e.wildcard
              ? !literal && host.endsWith(`.${e.host}`)
              : host === e.host) &&
            (!e.port || e.port === port)
          );
        case 'prefix':
          return (
            e.url.protocol === url.protocol &&
            bareHost(e.url) === host &&
            effectivePort(e.url) === port &&
            pathWithin(url.pathname, e.url.pathname)
          );
        default:
          return literal && this.inRange(e, host);
      }
    });
    if (matched) {
      // An entry that names this very address (`http://127.0.0.1:9090/`,
      // `10.0.0.5:8080`) lists it, like an address entry does.
      return {
        url,
        host,
        literal,
        environmentOnly: false,
        addressListed: literal,
      };
    }
    if (this.config.allowEnvironmentUrls) {
      const envHosts = environmentUrls.flatMap(u => {
        try {
          return [bareHost(new URL(u))];
        } catch {
          return [];
        }
      });
      if (envHosts.includes(host)) {
        return {
          url,
          host,
          literal,
          environmentOnly: true,
          addressListed: false,
        };
      }
    }
    throw new TargetRefusedError(
      rawUrl,
      `${host}${
        url.port ? `:${url.port}` : ''
      } is not in gitops.steps.allowedTargets${
        this.config.allowEnvironmentUrls ? ' nor an environment url' : ''
      }`,
    );
  }

  /**
   * May the matched target be reached at this address? Throws
   * `TargetRefusedError` naming the address and why (checked on every
   * address a name resolves to, before connecting).
   */
  checkAddress(match: TargetMatch, ip: string): void {
    const problem = addressProblem(ip);
    if (!problem) return;
    if (match.addressListed) return;
    if (
      !match.environmentOnly &&
      this.entries.some(e => e.kind === 'range' && this.inRange(e, ip))
    ) {
      return;
    }
    throw new TargetRefusedError(
      match.url.href,
      match.literal
        ? `${problem}; list it in gitops.steps.allowedTargets to allow it`
        : `${
            match.host
          } resolves to ${problem}; list the address or its range in gitops.steps.allowedTargets to allow it${
            match.environmentOnly
              ? ' (environment urls never reach such addresses)'
              : ''
          }`,
    );
  }

  private inRange(e: Entry, ip: string): boolean {
    if (e.kind !== 'range') return false;
    let address: ipaddr.IPv4 | ipaddr.IPv6;
    try {
      address = toAddress(ip);
    } catch {
      return false;
    }
    const [base, bits] = e.range;
    if (address.kind() !== base.kind()) return false;
    return (address as ipaddr.IPv4).match(base as ipaddr.IPv4, bits);
  }
}

function pathWithin(path: string, prefix: string): boolean {
  if (prefix === '/' || path === prefix) return true;
  const p = prefix.endsWith('/') ? prefix : `${prefix}/`;
  return path.startsWith(p);
}
