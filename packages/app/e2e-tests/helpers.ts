import { expect, Page } from '@playwright/test';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

export const ROOT = path.resolve(__dirname, '../../..');
export const GITOPS = path.join(ROOT, '.demo/gitops');
export const ARTIFACTS = path.join(ROOT, 'e2e-artifacts');

export function git(...args: string[]): string {
  return execFileSync('git', ['-C', GITOPS, ...args], {
    encoding: 'utf8',
  }).trim();
}

/** The guestbook-ui tag an environment's overlay holds at the head of main. */
export function uiVersionAtHead(env: string): string {
  const file = git(
    'show',
    `main:apps/guestbook-ui/overlays/${env}/kustomization.yaml`,
  );
  const m =
    /name:\s*ghcr\.io\/acme\/guestbook-ui\s*\n\s*newTag:\s*["']?([^"'\s#]+)/.exec(
      file,
    );
  if (!m) throw new Error(`no guestbook-ui newTag in the ${env} overlay`);
  return m[1];
}

export function demoSummary(): any {
  return JSON.parse(
    fs.readFileSync(path.join(ROOT, '.demo/demo-summary.json'), 'utf8'),
  );
}

/**
 * Opens a page of the portal, signing in when asked: as the guest developer
 * (default) or as the release manager.
 */
export async function open(
  page: Page,
  url: string,
  who: 'guest' | 'release-manager' = 'guest',
) {
  await page.goto(url);
  const enter = page.getByRole('button', {
    name: who === 'guest' ? 'Enter' : 'Enter as release manager',
    exact: true,
  });
  const content = page
    .getByRole('link', { name: 'GitOps', exact: true })
    .first();
  await expect(enter.or(content).first()).toBeVisible();
  if (await enter.isVisible()) await enter.click();
  await expect(content).toBeVisible();
}

export function screenshotPath(name: string): string {
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  return path.join(ARTIFACTS, name);
}
