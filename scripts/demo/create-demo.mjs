#!/usr/bin/env node
// Creates the GitOps 2.0 demo repositories once (see README.md here).
//
//   node scripts/demo/create-demo.mjs [--dir <path>] [--force] [--now <ISO date>]
//
// Default dir: <repo root>/.demo. A second run finds <dir>/.complete and exits
// at once; --force rebuilds (e.g. to move the dates to today).

import path from 'node:path';
import { fileURLToPath } from 'node:url';

import {
  COMPLETE_FILE,
  GENERATOR_VERSION,
  createDemo,
  readComplete,
} from './demo-lib.mjs';
import { installPushHook } from './demo-hook.mjs';

const repoRoot = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  '..',
  '..',
);

function usage(code) {
  (code ? console.error : console.log)(
    'usage: node scripts/demo/create-demo.mjs [--dir <path>] [--force] [--now <ISO date>]\n' +
      `  --dir    where to create the demo (default ${path.join(
        repoRoot,
        '.demo',
      )})\n` +
      '  --force  rebuild even when the demo is already complete\n' +
      '  --now    anchor the dates to another day than today (tests, screenshots)',
  );
  process.exit(code);
}

let dir = path.join(repoRoot, '.demo');
let force = false;
/** @type {number | string} */
let now = Date.now();
const args = process.argv.slice(2);
for (let i = 0; i < args.length; i++) {
  const a = args[i];
  if (a === '--force') force = true;
  else if (a === '--dir' || a === '--now') {
    const v = args[++i];
    if (!v) usage(2);
    if (a === '--dir') dir = path.resolve(v);
    else now = v;
  } else if (a.startsWith('--dir=')) dir = path.resolve(a.slice(6));
  else if (a.startsWith('--now=')) now = a.slice(6);
  else if (a === '-h' || a === '--help') usage(0);
  else {
    console.error(`unknown argument: ${a}`);
    usage(2);
  }
}
const rel = path.relative(process.cwd(), dir) || '.';

const done = readComplete(dir);
if (!force && done?.generatorVersion === GENERATOR_VERSION) {
  installPushHook(path.join(dir, 'gitops'));
  console.log(
    `demo: ${rel} is complete (generator v${GENERATOR_VERSION}, dates anchored on ${done.anchorDay}); --force to rebuild`,
  );
  process.exit(0);
}
if (done && done.generatorVersion !== GENERATOR_VERSION) {
  console.log(
    `demo: ${rel}/${COMPLETE_FILE} is from generator v${done.generatorVersion}; rebuilding`,
  );
}

try {
  const s = createDemo({ dir, now, force });
  if (s.skipped) {
    console.log(`demo: ${rel} was completed by another run meanwhile`);
    process.exit(0);
  }
  installPushHook(path.join(dir, 'gitops'));
  const src = Object.entries(s.sources)
    .map(([name, x]) => `${name} ${x.commits}`)
    .join(', ');
  console.log(
    `demo: created ${rel} in ${(s.durationMs / 1000).toFixed(
      2,
    )} s (dates anchored on ${s.anchorDay})`,
  );
  console.log(
    `  gitops: ${s.counts.gitopsCommits} commits, ${s.counts.rollouts} rollouts; sources: ${src}`,
  );
  console.log(
    `  rollback: ${s.rollback.service} in ${s.rollback.environment} ${s.rollback.from} -> ${s.rollback.to}; ` +
      `lagging: ${s.lagging.service} ${s.lagging.environment} (${s.lagging.versionsBehind} versions behind dev)`,
  );
  console.log(`  summary: ${path.join(rel, 'demo-summary.json')}`);
} catch (e) {
  console.error(`demo: failed: ${e instanceof Error ? e.stack : e}`);
  process.exit(1);
}
