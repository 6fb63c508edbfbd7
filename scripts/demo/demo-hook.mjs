// Installs the demo GitOps repository's post-commit hook (demo only): each
// commit made there by hand is announced to the local portal as a signed
// GitHub `push` webhook (push-webhook.mjs), so it shows within seconds.
// Idempotent; runs on every `npm start`.

import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const SENDER = path.join(
  path.dirname(fileURLToPath(import.meta.url)),
  'push-webhook.mjs',
);

/**
 * The hook's script: the sender in the background, so a commit never waits
 * for the portal (or fails when it is not running).
 */
export function hookScript(sender = SENDER) {
  return [
    '#!/bin/sh',
    '# Installed by scripts/demo/create-demo.mjs (demo only): announces this',
    '# commit to the local portal as a signed GitHub push webhook.',
    'command -v node >/dev/null 2>&1 || exit 0',
    `node ${JSON.stringify(sender)} "$(pwd)" >/dev/null 2>&1 </dev/null &`,
    'exit 0',
    '',
  ].join('\n');
}

/**
 * Writes `<gitopsDir>/.git/hooks/post-commit` when it is missing or differs.
 * @param {string} gitopsDir
 * @returns {boolean} whether it was written
 */
export function installPushHook(gitopsDir) {
  const hooks = path.join(gitopsDir, '.git', 'hooks');
  if (!fs.existsSync(path.join(gitopsDir, '.git'))) return false;
  fs.mkdirSync(hooks, { recursive: true });
  const file = path.join(hooks, 'post-commit');
  const script = hookScript();
  if (fs.existsSync(file) && fs.readFileSync(file, 'utf8') === script)
    return false;
  fs.writeFileSync(file, script, { mode: 0o755 });
  fs.chmodSync(file, 0o755);
  return true;
}
