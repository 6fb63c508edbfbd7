import { defineConfig } from '@playwright/test';
import base from './playwright.config';

/**
 * Benchmarks in Chromium against the started demo portal (`yarn
 * bench:freshness`): not part of `npm test`. Same browser, portal and
 * global set-up as the e2e tests; one run, no retries, figures printed and
 * written to node_modules/.cache/bench-freshness.json (docs/benchmarks.md).
 */
export default defineConfig({
  ...base,
  testDir: 'packages/app/e2e-bench',
  testMatch: '**/*.bench.ts',
  timeout: 120 * 60_000,
  retries: 0,
  reporter: [['list']],
});
