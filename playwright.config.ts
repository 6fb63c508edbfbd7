import { defineConfig } from '@playwright/test';

/**
 * End-to-end tests of the whole portal in Debian's Chromium
 * (`apt-get install chromium`; Playwright's own browser download cannot work
 * on a closed network). The portal is started with the demo data unless one
 * is already running on :3000 (outside CI).
 */
const chromiumArgs = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export default defineConfig({
  testDir: 'packages/app/e2e-tests',
  globalSetup: './packages/app/e2e-tests/globalSetup.ts',
  timeout: 120_000,
  expect: { timeout: 60_000 },
  workers: 1,
  forbidOnly: !!process.env.CI,
  retries: process.env.CI ? 1 : 0,
  reporter: [
    ['list'],
    [
      'json',
      {
        outputFile:
          process.env.PLAYWRIGHT_JSON_OUTPUT_NAME ??
          'node_modules/.cache/e2e-results.json',
      },
    ],
  ],
  webServer: {
    command: 'node .yarn/releases/yarn-4.13.0.cjs portal:start',
    // The frontend dev server answers once it has compiled; the backend is
    // started by the same command and the tests wait for its data.
    url: 'http://localhost:3000',
    reuseExistingServer: !process.env.CI,
    timeout: 420_000,
    stdout: 'pipe',
    stderr: 'pipe',
  },
  use: {
    baseURL: process.env.PLAYWRIGHT_URL ?? 'http://localhost:3000',
    screenshot: 'only-on-failure',
    trace: 'off',
    launchOptions: {
      executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
      args: chromiumArgs,
    },
  },
  outputDir: 'node_modules/.cache/e2e-test-results',
  projects: [{ name: 'chromium', use: { browserName: 'chromium' } }],
});
