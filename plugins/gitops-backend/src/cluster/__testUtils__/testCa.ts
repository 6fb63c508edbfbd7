import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** A throw-away CA and a server certificate it signed for 127.0.0.1. */
export interface TestCa {
  dir: string;
  /** PEM of the CA certificate, and its path. */
  caPem: string;
  caFile: string;
  /** The server's key and certificate (PEM), for the double's `tls`. */
  key: string;
  cert: string;
  cleanup(): void;
}

/**
 * Made with the openssl CLI (node:crypto cannot sign certificates): a CA,
 * then a server key and certificate with subjectAltName IP:127.0.0.1, valid
 * for a day.
 */
export function createTestCa(): TestCa {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gitops-test-ca-'));
  const ssl = (...args: string[]) =>
    execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1'];
  ssl(
    'req',
    '-x509',
    ...ec,
    '-nodes',
    '-days',
    '1',
    '-subj',
    '/CN=gitops test CA',
    '-keyout',
    'ca.key',
    '-out',
    'ca.crt',
  );
  ssl(
    'req',
    ...ec,
    '-nodes',
    '-subj',
    '/CN=127.0.0.1',
    '-keyout',
    'server.key',
    '-out',
    'server.csr',
  );
  fs.writeFileSync(
    path.join(dir, 'server.ext'),
    'subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n',
  );
  ssl(
    'x509',
    '-req',
    '-in',
    'server.csr',
    '-CA',
    'ca.crt',
    '-CAkey',
    'ca.key',
    '-CAcreateserial',
    '-days',
    '1',
    '-extfile',
    'server.ext',
    '-out',
    'server.crt',
  );
  const read = (f: string) => fs.readFileSync(path.join(dir, f), 'utf8');
  return {
    dir,
    caPem: read('ca.crt'),
    caFile: path.join(dir, 'ca.crt'),
    key: read('server.key'),
    cert: read('server.crt'),
    cleanup: () => fs.rmSync(dir, { recursive: true, force: true }),
  };
}
