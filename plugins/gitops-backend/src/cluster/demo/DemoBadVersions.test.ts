import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ConfigReader } from '@backstage/config';
import type { JsonValue } from '@backstage/types';
import { DemoBadVersions } from './DemoBadVersions';

describe('DemoBadVersions (gitops.demoCluster.badVersionsFile)', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gitops-bad-versions-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  const config = (badVersionsFile: JsonValue) =>
    new ConfigReader({ gitops: { demoCluster: { badVersionsFile } } });

  it('reads the badVersions of the demo summary, relative to the working directory, and again when it changes', async () => {
    fs.writeFileSync(
      path.join(dir, 'demo-summary.json'),
      JSON.stringify({
        generatorVersion: 4,
        badVersions: [
          { service: 'guestbook-ui', version: '73babb17d682', reason: '…' },
        ],
      }),
    );
    const bad = DemoBadVersions.fromConfig(config('demo-summary.json'), dir);
    expect(bad.source).toBe(path.join(dir, 'demo-summary.json'));
    expect(await bad.read()).toEqual({
      ok: true,
      badVersions: [{ service: 'guestbook-ui', version: '73babb17d682' }],
    });

    fs.writeFileSync(
      path.join(dir, 'demo-summary.json'),
      JSON.stringify({ badVersions: [{ service: 'x', version: 'rebuilt' }] }),
    );
    expect(await bad.read()).toEqual({
      ok: true,
      badVersions: [{ service: 'x', version: 'rebuilt' }],
    });
  });

  it('names the key and the file when the file is missing, not JSON, or has no badVersions list', async () => {
    const bad = DemoBadVersions.fromConfig(config('nope.json'), dir);
    const missing = await bad.read();
    expect(missing.ok).toBe(false);
    expect(!missing.ok && missing.error).toMatch(
      /^gitops\.demoCluster\.badVersionsFile .*nope\.json cannot be used: ENOENT/,
    );

    fs.writeFileSync(path.join(dir, 'broken.json'), '{"badVersions": [');
    const broken = await DemoBadVersions.fromConfig(
      config('broken.json'),
      dir,
    ).read();
    expect(!broken.ok && broken.error).toMatch(/broken\.json cannot be used/);

    fs.writeFileSync(path.join(dir, 'old.json'), '{"generatorVersion": 3}');
    const old = await DemoBadVersions.fromConfig(
      config('old.json'),
      dir,
    ).read();
    expect(!old.ok && old.error).toMatch(
      /old\.json cannot be used: expected \{"badVersions": \[\{"service": …, "version": …\}\]\} \(badVersions: /,
    );
  });

  it('refuses a file larger than its bound without reading it', async () => {
    const file = path.join(dir, 'huge.json');
    fs.writeFileSync(file, '');
    fs.truncateSync(file, 16 * 1024 * 1024 + 1);
    const huge = await DemoBadVersions.fromConfig(config(file), dir).read();
    expect(!huge.ok && huge.error).toMatch(
      /huge\.json cannot be used: it has 16777217 bytes; at most 16777216 are read/,
    );
  });

  it('without a file no version is bad; a value that is not a path fails startup', async () => {
    expect(
      await DemoBadVersions.fromConfig(new ConfigReader({})).read(),
    ).toEqual({ ok: true, badVersions: [] });
    expect(() => DemoBadVersions.fromConfig(config(''))).toThrow(
      'Invalid gitops configuration: gitops.demoCluster.badVersionsFile: must be a file path',
    );
    expect(() => DemoBadVersions.fromConfig(config(42))).toThrow(
      /badVersionsFile: must be a file path/,
    );
  });
});
