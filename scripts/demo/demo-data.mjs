// Fixed story of the GitOps 2.0 demo: source repositories, promotion calendar
// and config-only changes. Days are "days before the anchor day" (the UTC day
// of `now`), so the demo always ends yesterday. See README.md in this folder.

export const ORG = 'acme';

export const ENVIRONMENTS = ['dev', 'qa', 'staging', 'prod-us', 'prod-eu'];

export const STAGES = [
  { name: 'dev', environments: ['dev'] },
  { name: 'qa', environments: ['qa'] },
  { name: 'staging', environments: ['staging'] },
  { name: 'prod', environments: ['prod-us', 'prod-eu'] },
];

export const ENV_INFO = {
  dev: {
    cluster: 'dev-cluster',
    namespace: 'guestbook-dev',
    host: 'dev.guestbook.example.com',
  },
  qa: {
    cluster: 'qa-cluster',
    namespace: 'guestbook-qa',
    host: 'qa.guestbook.example.com',
  },
  staging: {
    cluster: 'staging-cluster',
    namespace: 'guestbook-staging',
    host: 'staging.guestbook.example.com',
  },
  'prod-us': {
    cluster: 'prod-us-cluster',
    namespace: 'guestbook',
    host: 'us.guestbook.example.com',
  },
  'prod-eu': {
    cluster: 'prod-eu-cluster',
    namespace: 'guestbook',
    host: 'eu.guestbook.example.com',
  },
};

/** GitHub's identity on squash and merge commits. */
export const GITHUB = {
  name: 'GitHub',
  email: 'noreply@github.com',
  tz: '+0000',
};

const person = (name, tz) => ({
  name,
  email: `${name
    .toLowerCase()
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/ /g, '.')}@acme.example`,
  tz,
});

/** People of the GitOps repository (release managers, SRE, platform, CI). */
export const GITOPS_PEOPLE = {
  bot: {
    name: 'acme-deploy-bot',
    email: 'deploy-bot@acme.example',
    tz: '+0000',
  },
  priya: person('Priya Raman', '+0530'),
  jonas: person('Jonas Weber', '+0100'),
  nadia: person('Nadia Haddad', '+0100'),
  tom: person('Tom Becker', '+0100'),
  olga: person('Olga Petrova', '+0200'),
};

// ---------------------------------------------------------------------------
// Source repositories. `main` lists the first-parent history of main, oldest
// first. kind: direct (pushed to main), squash (squash-merged PR, "(#n)"),
// merge (merge commit of a PR branch; `commits` are the branch's commits).
// `forkBack: 1` forks the branch one main-line commit earlier (true divergence).
// Entries whose subject starts with docs: or ci: are not deployed by CI.
// ---------------------------------------------------------------------------

const sql = (path, content) => ({ path, content });

export const SOURCES = [
  {
    name: 'guestbook-ui',
    language: 'ts',
    image: 'ghcr.io/acme/guestbook-ui',
    authors: [
      person('Maya Chen', '-0500'),
      person('Jonas Weber', '+0100'),
      person('Aisha Bello', '+0100'),
      person('Lucas Moreau', '+0100'),
      person('Sofia Rossi', '+0100'),
    ],
    main: [
      {
        d: 56,
        a: 0,
        kind: 'direct',
        subject: 'chore: scaffold guestbook-ui with Vite and React',
        files: [
          'package.json',
          'index.html',
          'vite.config.ts',
          'tsconfig.json',
          'src/main.tsx',
          'src/App.tsx',
          'README.md',
          'Dockerfile',
          'nginx.conf',
          '.github/workflows/ci.yml',
          '.gitignore',
        ],
      },
      {
        d: 54,
        a: 0,
        kind: 'squash',
        pr: 101,
        subject: 'feat(entries): list guestbook entries',
        key: 'SAAS-1501',
        files: [
          'src/components/GuestbookList.tsx',
          'src/hooks/useEntries.ts',
          'src/api/client.ts',
        ],
      },
      {
        d: 52,
        a: 1,
        kind: 'squash',
        pr: 103,
        subject: 'feat(form): add entry form with validation',
        key: 'SAAS-1504',
        files: ['src/components/EntryForm.tsx', 'src/App.tsx'],
      },
      {
        d: 50,
        a: 2,
        kind: 'merge',
        pr: 106,
        branch: 'SAAS-1512-i18n',
        title: 'feat(i18n): English and German translations',
        commits: [
          {
            a: 2,
            subject: 'feat(i18n): extract UI strings to en.json',
            body: 'SAAS-1512',
            files: [
              'src/i18n/en.json',
              'src/i18n/index.ts',
              'src/components/EntryForm.tsx',
            ],
          },
          {
            a: 2,
            subject: 'feat(i18n): add German translation',
            body: 'Refs SAAS-1512',
            files: ['src/i18n/de.json', 'src/i18n/index.ts'],
          },
        ],
      },
      {
        d: 48,
        a: 3,
        kind: 'direct',
        subject: 'chore(deps): bump vite to 5.2.8',
        files: ['package.json'],
      },
      {
        d: 47,
        a: 1,
        kind: 'squash',
        pr: 108,
        subject: 'fix(form): trim whitespace before submitting',
        key: 'SAAS-1519',
        files: ['src/components/EntryForm.tsx'],
      },
      {
        d: 45,
        a: 4,
        kind: 'squash',
        pr: 110,
        subject: 'feat(a11y): label form controls for screen readers',
        key: 'SAAS-1523',
        files: [
          'src/components/EntryForm.tsx',
          'src/components/GuestbookList.tsx',
        ],
        coAuthor: 2,
      },
      {
        d: 43,
        a: 3,
        kind: 'merge',
        pr: 113,
        branch: 'SAAS-1527-pagination',
        title: 'feat(entries): paginate the guestbook',
        commits: [
          {
            a: 3,
            subject: 'feat(entries): paginate with a cursor',
            body: 'SAAS-1527',
            files: ['src/hooks/useEntries.ts', 'src/api/client.ts'],
          },
          {
            a: 0,
            subject: 'test(entries): pagination edge cases',
            files: ['src/hooks/useEntries.test.ts'],
          },
        ],
      },
      {
        d: 41,
        a: 1,
        kind: 'direct',
        subject: 'ci: cache the yarn cache between CI runs',
        files: ['.github/workflows/ci.yml'],
      },
      {
        d: 40,
        a: 0,
        kind: 'squash',
        pr: 115,
        subject: 'perf(entries): virtualize long lists',
        key: 'SAAS-1530',
        files: ['src/components/GuestbookList.tsx', 'package.json'],
      },
      {
        d: 38,
        a: 2,
        kind: 'squash',
        pr: 117,
        subject: 'fix(api-client): retry idempotent GETs once',
        key: 'SAAS-1533',
        files: ['src/api/client.ts'],
      },
      {
        d: 36,
        a: 4,
        kind: 'direct',
        subject: 'docs: document local development',
        files: ['README.md'],
      },
      // The issue key of this PR is only in its branch name.
      {
        d: 35,
        a: 4,
        kind: 'merge',
        pr: 120,
        branch: 'SAAS-1538-author-avatars',
        title: 'Show author avatars',
        keyOnlyInBranch: true,
        commits: [
          {
            a: 4,
            subject: 'feat(entries): show author avatars',
            files: [
              'src/components/Avatar.tsx',
              'src/components/GuestbookList.tsx',
            ],
          },
          {
            a: 4,
            subject: 'test(entries): cover the avatar fallback',
            files: ['src/components/Avatar.test.tsx'],
          },
        ],
      },
      {
        d: 33,
        a: 1,
        kind: 'squash',
        pr: 122,
        subject: 'feat(header): responsive header layout',
        key: 'SAAS-1540',
        files: ['src/components/Header.tsx', 'src/App.tsx'],
      },
      {
        d: 29,
        a: 0,
        kind: 'squash',
        pr: 127,
        subject: 'fix(entries): keep the scroll position after posting',
        key: 'SAAS-1546',
        files: ['src/components/GuestbookList.tsx', 'src/hooks/useEntries.ts'],
      },
      {
        d: 27,
        a: 2,
        kind: 'squash',
        pr: 130,
        subject: 'feat(i18n): add French translation',
        key: 'SAAS-1549',
        files: ['src/i18n/fr.json', 'src/i18n/index.ts'],
      },
      {
        d: 24,
        a: 1,
        kind: 'direct',
        subject: 'chore(release): 1.5.0',
        files: ['package.json', 'CHANGELOG.md'],
      },
      {
        d: 22,
        a: 0,
        kind: 'merge',
        pr: 134,
        branch: 'SAAS-1552-search',
        title: 'feat(entries): search the guestbook',
        commits: [
          {
            a: 0,
            subject: 'feat(entries): add a search box',
            body: 'SAAS-1552',
            files: ['src/components/SearchBox.tsx', 'src/App.tsx'],
          },
          {
            a: 0,
            subject: 'feat(api-client): pass the search query',
            files: ['src/api/client.ts'],
          },
        ],
      },
      {
        d: 20,
        a: 3,
        kind: 'squash',
        pr: 137,
        subject: 'fix(form): disable submit while posting',
        key: 'SAAS-1557',
        files: ['src/components/EntryForm.tsx'],
      },
      {
        d: 14,
        a: 1,
        kind: 'squash',
        pr: 145,
        subject: 'perf: lazy-load the emoji picker',
        key: 'SAAS-1564',
        files: [
          'src/components/EmojiPicker.tsx',
          'src/components/EntryForm.tsx',
        ],
      },
      // SAAS-1543: dark mode. A long-lived branch (forked before #145), merged
      // as #150, then a follow-up squash #151. Reaches every environment and
      // is rolled back in prod-eu only.
      {
        d: 11,
        a: 2,
        kind: 'merge',
        pr: 150,
        branch: 'SAAS-1543-dark-mode',
        title: 'feat(theme): dark mode',
        forkBack: 1,
        commits: [
          {
            a: 2,
            subject: 'feat(theme): add dark palette tokens',
            body: 'SAAS-1543',
            files: [
              'src/theme/palette.ts',
              'src/theme/dark.ts',
              'src/styles/global.css',
            ],
          },
          {
            a: 2,
            subject: 'feat(header): add dark mode toggle',
            body: 'Follows the OS setting until the user picks a theme.\n\nRefs SAAS-1543',
            files: [
              'src/components/ThemeToggle.tsx',
              'src/components/Header.tsx',
            ],
          },
          {
            a: 4,
            subject: 'test(theme): snapshot both palettes',
            files: ['src/theme/palette.test.ts'],
          },
        ],
      },
      {
        d: 10,
        a: 2,
        kind: 'squash',
        pr: 151,
        subject: 'fix(theme): remember the dark mode preference',
        key: 'SAAS-1543',
        body: 'Stores the choice in localStorage so a reload keeps the theme.',
        files: ['src/theme/useTheme.ts', 'src/components/ThemeToggle.tsx'],
      },
      {
        d: 8,
        a: 3,
        kind: 'squash',
        pr: 153,
        subject: 'feat(entries): relative timestamps in the list',
        key: 'SAAS-1566',
        files: ['src/components/GuestbookList.tsx', 'src/utils/time.ts'],
      },
      {
        d: 5,
        a: 0,
        kind: 'squash',
        pr: 155,
        subject: 'chore(deps): bump typescript to 5.4.5',
        files: ['package.json'],
      },
      {
        d: 3,
        a: 4,
        kind: 'squash',
        pr: 158,
        subject: 'fix(cookie-banner): readable with the dark palette',
        key: 'SAAS-1571',
        body: 'The cookie banner (EU only) used a hard-coded white text colour; with the dark palette its text was invisible (INC-2211).',
        files: ['src/components/CookieBanner.tsx', 'src/styles/global.css'],
      },
      {
        d: 2,
        a: 1,
        kind: 'merge',
        pr: 160,
        branch: 'SAAS-1573-reactions',
        title: 'feat(entries): emoji reactions',
        commits: [
          {
            a: 1,
            subject: 'feat(entries): emoji reactions on entries',
            body: 'SAAS-1573',
            files: [
              'src/components/Reactions.tsx',
              'src/components/GuestbookList.tsx',
              'src/api/client.ts',
            ],
          },
        ],
      },
      {
        d: 1,
        a: 3,
        kind: 'squash',
        pr: 162,
        subject: 'fix(i18n): German plural forms',
        key: 'SAAS-1575',
        files: ['src/i18n/de.json', 'src/i18n/index.ts'],
      },
    ],
  },
  {
    name: 'guestbook-api',
    language: 'ts',
    image: 'ghcr.io/acme/guestbook-api',
    authors: [
      person('Daniel Kim', '+0900'),
      person('Priya Raman', '+0530'),
      person('Mateo García', '+0100'),
      person('Hannah Schulz', '+0100'),
      person('Kenji Watanabe', '+0900'),
    ],
    main: [
      {
        d: 55,
        a: 0,
        kind: 'direct',
        subject: 'chore: scaffold guestbook-api (Fastify + Postgres)',
        files: [
          'package.json',
          'tsconfig.json',
          'src/server.ts',
          'src/routes/health.ts',
          'src/db/pool.ts',
          'Dockerfile',
          'README.md',
          '.github/workflows/ci.yml',
          '.gitignore',
        ],
      },
      {
        d: 53,
        a: 0,
        kind: 'squash',
        pr: 12,
        subject: 'feat(entries): GET /entries with keyset pagination',
        key: 'SAAS-1502',
        files: ['src/routes/entries.ts', 'src/db/entries.ts'],
      },
      {
        d: 51,
        a: 1,
        kind: 'squash',
        pr: 14,
        subject: 'feat(entries): POST /entries with schema validation',
        key: 'SAAS-1505',
        files: ['src/routes/entries.ts', 'src/schemas/entry.ts'],
      },
      {
        d: 49,
        a: 2,
        kind: 'merge',
        pr: 17,
        branch: 'SAAS-1510-migrations',
        title: 'Versioned SQL migrations',
        commits: [
          {
            a: 2,
            subject: 'feat(db): run SQL migrations at startup',
            body: 'SAAS-1510',
            files: ['src/db/migrate.ts', 'src/server.ts'],
          },
          {
            a: 2,
            subject: 'feat(db): initial schema',
            files: [
              sql(
                'src/db/migrations/0001_entries.sql',
                'CREATE TABLE entries (\n  id bigserial PRIMARY KEY,\n  author text NOT NULL,\n  body text NOT NULL,\n  created_at timestamptz NOT NULL DEFAULT now()\n);\n',
              ),
            ],
          },
        ],
      },
      {
        d: 46,
        a: 3,
        kind: 'squash',
        pr: 19,
        subject: 'feat(auth): verify session JWTs',
        key: 'SAAS-1516',
        files: ['src/middleware/auth.ts', 'src/server.ts', 'package.json'],
      },
      {
        d: 44,
        a: 4,
        kind: 'direct',
        subject: 'fix(db): close the pool on SIGTERM',
        files: ['src/db/pool.ts', 'src/server.ts'],
      },
      {
        d: 43,
        a: 1,
        kind: 'squash',
        pr: 22,
        subject: 'feat(ratelimit): 30 posts per minute per user',
        key: 'SAAS-1521',
        files: ['src/middleware/rateLimit.ts', 'src/server.ts'],
      },
      {
        d: 41,
        a: 0,
        kind: 'squash',
        pr: 24,
        subject: 'perf(entries): index entries by created_at',
        key: 'SAAS-1526',
        files: [
          sql(
            'src/db/migrations/0002_entries_created_at_idx.sql',
            'CREATE INDEX CONCURRENTLY entries_created_at_idx ON entries (created_at DESC, id DESC);\n',
          ),
        ],
      },
      {
        d: 39,
        a: 3,
        kind: 'merge',
        pr: 27,
        branch: 'SAAS-1531-moderation',
        title: 'Moderation queue',
        commits: [
          {
            a: 3,
            subject: 'feat(moderation): flag entries for review',
            body: 'SAAS-1531',
            files: ['src/routes/moderation.ts', 'src/db/moderation.ts'],
          },
          {
            a: 3,
            subject: 'feat(moderation): hide flagged entries',
            files: ['src/db/entries.ts'],
          },
          {
            a: 1,
            subject: 'test(moderation): cover hide and unhide',
            files: ['test/moderation.test.ts'],
          },
        ],
      },
      {
        d: 37,
        a: 4,
        kind: 'direct',
        subject: 'docs: OpenAPI description of /entries',
        files: ['docs/openapi.yaml'],
      },
      {
        d: 36,
        a: 2,
        kind: 'squash',
        pr: 30,
        subject: 'fix(entries): reject entries over 2000 characters',
        key: 'SAAS-1535',
        files: ['src/schemas/entry.ts'],
      },
      {
        d: 34,
        a: 0,
        kind: 'squash',
        pr: 32,
        subject: 'feat(metrics): Prometheus metrics endpoint',
        key: 'SAAS-1539',
        files: ['src/routes/metrics.ts', 'src/server.ts', 'package.json'],
      },
      {
        d: 31,
        a: 1,
        kind: 'squash',
        pr: 35,
        subject: 'fix(auth): accept 30 s of clock skew',
        key: 'SAAS-1544',
        files: ['src/middleware/auth.ts'],
      },
      {
        d: 29,
        a: 4,
        kind: 'merge',
        pr: 38,
        branch: 'SAAS-1548-reactions-api',
        title: 'Reactions API',
        forkBack: 1,
        commits: [
          {
            a: 4,
            subject: 'feat(reactions): POST /entries/:id/reactions',
            body: 'SAAS-1548',
            files: ['src/routes/reactions.ts'],
          },
          {
            a: 4,
            subject: 'feat(db): reactions table',
            files: [
              sql(
                'src/db/migrations/0003_reactions.sql',
                'CREATE TABLE reactions (\n  entry_id bigint NOT NULL REFERENCES entries (id) ON DELETE CASCADE,\n  emoji text NOT NULL,\n  count integer NOT NULL DEFAULT 0,\n  PRIMARY KEY (entry_id, emoji)\n);\n',
              ),
            ],
          },
        ],
      },
      {
        d: 27,
        a: 3,
        kind: 'squash',
        pr: 40,
        subject: 'chore(deps): bump fastify to 4.27.0',
        files: ['package.json'],
      },
      {
        d: 25,
        a: 2,
        kind: 'squash',
        pr: 42,
        subject: 'feat(search): full-text search on entries',
        key: 'SAAS-1553',
        files: [
          'src/routes/entries.ts',
          sql(
            'src/db/migrations/0004_entries_search.sql',
            "ALTER TABLE entries ADD COLUMN search tsvector\n  GENERATED ALWAYS AS (to_tsvector('simple', author || ' ' || body)) STORED;\nCREATE INDEX entries_search_idx ON entries USING gin (search);\n",
          ),
        ],
      },
      {
        d: 23,
        a: 0,
        kind: 'squash',
        pr: 44,
        subject: 'fix(ratelimit): count per user, not per IP',
        key: 'SAAS-1556',
        files: ['src/middleware/rateLimit.ts'],
      },
      {
        d: 21,
        a: 1,
        kind: 'direct',
        subject: 'chore(release): 2.3.0',
        files: ['package.json', 'CHANGELOG.md'],
        h: 8,
      },
      {
        d: 19,
        a: 4,
        kind: 'squash',
        pr: 47,
        subject: 'feat(entries): soft delete',
        key: 'SAAS-1601',
        body: 'Needs migration 0005 on every database; the qa database is being rebuilt first (SAAS-1602).',
        files: [
          'src/routes/entries.ts',
          sql(
            'src/db/migrations/0005_entries_deleted_at.sql',
            'ALTER TABLE entries ADD COLUMN deleted_at timestamptz;\n',
          ),
        ],
      },
      {
        d: 16,
        a: 2,
        kind: 'merge',
        pr: 50,
        branch: 'SAAS-1604-csv-export',
        title: 'CSV export',
        commits: [
          {
            a: 2,
            subject: 'feat(export): CSV export of entries',
            body: 'SAAS-1604',
            files: ['src/routes/export.ts', 'src/server.ts'],
          },
          {
            a: 2,
            subject: 'fix(export): stream rows instead of buffering',
            files: ['src/routes/export.ts'],
          },
        ],
      },
      {
        d: 13,
        a: 3,
        kind: 'squash',
        pr: 53,
        subject: 'fix(auth): refresh the JWKS every 10 minutes',
        key: 'SAAS-1607',
        files: ['src/middleware/auth.ts'],
      },
      {
        d: 11,
        a: 0,
        kind: 'squash',
        pr: 55,
        subject: 'perf(db): prepared statements for hot queries',
        key: 'SAAS-1609',
        files: ['src/db/entries.ts'],
      },
      {
        d: 8,
        a: 1,
        kind: 'direct',
        subject: 'chore(deps): bump pg to 8.11.5',
        files: ['package.json'],
      },
      {
        d: 6,
        a: 4,
        kind: 'squash',
        pr: 58,
        subject: 'feat(moderation): bulk approve',
        key: 'SAAS-1612',
        files: ['src/routes/moderation.ts', 'src/db/moderation.ts'],
      },
      {
        d: 4,
        a: 2,
        kind: 'squash',
        pr: 60,
        subject: 'fix(search): escape special characters',
        key: 'SAAS-1614',
        files: ['src/db/entries.ts'],
      },
      {
        d: 2,
        a: 3,
        kind: 'merge',
        pr: 62,
        branch: 'SAAS-1616-audit-log',
        title: 'Audit log for moderation',
        commits: [
          {
            a: 3,
            subject: 'feat(audit): log moderation actions',
            body: 'SAAS-1616',
            files: ['src/db/audit.ts', 'src/routes/moderation.ts'],
          },
          {
            a: 3,
            subject: 'feat(db): audit_log table',
            files: [
              sql(
                'src/db/migrations/0006_audit_log.sql',
                'CREATE TABLE audit_log (\n  id bigserial PRIMARY KEY,\n  actor text NOT NULL,\n  action text NOT NULL,\n  entry_id bigint,\n  at timestamptz NOT NULL DEFAULT now()\n);\n',
              ),
            ],
          },
        ],
      },
      {
        d: 1,
        a: 1,
        kind: 'squash',
        pr: 64,
        subject: 'fix(entries): stable order for equal timestamps',
        key: 'SAAS-1620',
        files: ['src/db/entries.ts'],
      },
    ],
  },
  {
    name: 'guestbook-worker',
    language: 'py',
    image: 'ghcr.io/acme/guestbook-worker',
    authors: [
      person('Olga Petrova', '+0200'),
      person('Samuel Okafor', '+0000'),
      person('Lena Fischer', '+0100'),
      person('Ravi Patel', '+0530'),
    ],
    main: [
      {
        d: 56,
        a: 0,
        kind: 'direct',
        subject: 'chore: scaffold guestbook-worker',
        files: [
          'pyproject.toml',
          'src/guestbook_worker/__init__.py',
          'src/guestbook_worker/main.py',
          'src/guestbook_worker/queue.py',
          'Dockerfile',
          'README.md',
          '.github/workflows/ci.yml',
          '.gitignore',
        ],
      },
      {
        d: 53,
        a: 0,
        kind: 'squash',
        pr: 5,
        subject: 'feat(notify): email the owner on new entries',
        key: 'SAAS-1503',
        files: [
          'src/guestbook_worker/notify.py',
          'src/guestbook_worker/main.py',
        ],
      },
      {
        d: 50,
        a: 1,
        kind: 'squash',
        pr: 7,
        subject: 'feat(spam): score entries with a Bayes filter',
        key: 'SAAS-1508',
        files: ['src/guestbook_worker/spam.py', 'src/guestbook_worker/main.py'],
      },
      {
        d: 47,
        a: 2,
        kind: 'merge',
        pr: 9,
        branch: 'SAAS-1514-thumbnails',
        title: 'Avatar thumbnails',
        commits: [
          {
            a: 2,
            subject: 'feat(thumbnails): resize avatars to 64 px',
            body: 'SAAS-1514',
            files: ['src/guestbook_worker/thumbnails.py', 'pyproject.toml'],
          },
          {
            a: 2,
            subject: 'test(thumbnails): golden images',
            files: ['tests/test_thumbnails.py'],
          },
        ],
      },
      {
        d: 45,
        a: 3,
        kind: 'direct',
        subject: 'fix(queue): ack only after the handler succeeded',
        files: ['src/guestbook_worker/queue.py'],
      },
      {
        d: 43,
        a: 1,
        kind: 'squash',
        pr: 11,
        subject: 'feat(metrics): expose job durations',
        key: 'SAAS-1520',
        files: [
          'src/guestbook_worker/metrics.py',
          'src/guestbook_worker/main.py',
        ],
      },
      {
        d: 40,
        a: 0,
        kind: 'squash',
        pr: 13,
        subject: 'feat(notify): daily digest instead of one mail per entry',
        key: 'SAAS-1525',
        files: [
          'src/guestbook_worker/notify.py',
          'src/guestbook_worker/digest.py',
        ],
      },
      {
        d: 38,
        a: 2,
        kind: 'direct',
        subject: 'ci: run pytest with coverage',
        files: ['.github/workflows/ci.yml'],
      },
      {
        d: 36,
        a: 3,
        kind: 'squash',
        pr: 15,
        subject: 'fix(spam): retrain on moderator decisions',
        key: 'SAAS-1532',
        files: ['src/guestbook_worker/spam.py'],
      },
      {
        d: 33,
        a: 1,
        kind: 'merge',
        pr: 18,
        branch: 'SAAS-1536-retries',
        title: 'Retries with backoff',
        commits: [
          {
            a: 1,
            subject: 'feat(queue): retry failed jobs with exponential backoff',
            body: 'SAAS-1536',
            files: [
              'src/guestbook_worker/retry.py',
              'src/guestbook_worker/queue.py',
            ],
          },
          {
            a: 1,
            subject: 'feat(queue): dead-letter after 5 attempts',
            files: ['src/guestbook_worker/queue.py'],
          },
        ],
      },
      {
        d: 30,
        a: 2,
        kind: 'squash',
        pr: 20,
        subject: 'chore(deps): bump pillow to 10.3.0',
        files: ['pyproject.toml'],
      },
      {
        d: 28,
        a: 0,
        kind: 'squash',
        pr: 22,
        subject: 'perf(thumbnails): reuse the image decoder',
        key: 'SAAS-1541',
        files: ['src/guestbook_worker/thumbnails.py'],
      },
      {
        d: 25,
        a: 3,
        kind: 'squash',
        pr: 24,
        subject: 'feat(config): configurable worker concurrency',
        key: 'SAAS-1547',
        files: [
          'src/guestbook_worker/config.py',
          'src/guestbook_worker/main.py',
        ],
      },
      {
        d: 22,
        a: 1,
        kind: 'direct',
        subject: 'chore(release): 0.9.0',
        files: ['pyproject.toml', 'CHANGELOG.md'],
      },
      {
        d: 20,
        a: 2,
        kind: 'squash',
        pr: 27,
        subject: 'fix(notify): respect the unsubscribe flag',
        key: 'SAAS-1554',
        files: ['src/guestbook_worker/notify.py'],
      },
      {
        d: 18,
        a: 0,
        kind: 'merge',
        pr: 29,
        branch: 'SAAS-1561-webhooks',
        title: 'Webhooks',
        commits: [
          {
            a: 0,
            subject: 'feat(webhooks): POST new entries to configured webhooks',
            body: 'SAAS-1561',
            files: [
              'src/guestbook_worker/webhooks.py',
              'src/guestbook_worker/main.py',
            ],
          },
          {
            a: 3,
            subject: 'fix(webhooks): sign payloads with HMAC-SHA256',
            files: ['src/guestbook_worker/webhooks.py'],
          },
        ],
      },
      {
        d: 15,
        a: 1,
        kind: 'squash',
        pr: 31,
        subject: 'feat(metrics): queue depth gauge',
        key: 'SAAS-1565',
        files: ['src/guestbook_worker/metrics.py'],
      },
      // Deployed the same day straight to staging (the direct version change).
      {
        d: 14,
        a: 3,
        kind: 'squash',
        pr: 33,
        subject: 'fix(queue): stop stalling when the broker reconnects',
        key: 'SAAS-1568',
        h: 8,
        body: 'After a broker failover the consumer kept a dead channel and stopped taking jobs.',
        files: ['src/guestbook_worker/queue.py'],
      },
      {
        d: 12,
        a: 0,
        kind: 'squash',
        pr: 35,
        subject: 'perf(spam): score entries in batches',
        key: 'SAAS-1570',
        files: ['src/guestbook_worker/spam.py'],
      },
      {
        d: 9,
        a: 2,
        kind: 'merge',
        pr: 37,
        branch: 'SAAS-1572-localized-mails',
        title: 'Localized notification mails',
        commits: [
          {
            a: 2,
            subject: 'feat(notify): localized mail templates',
            body: 'SAAS-1572',
            files: [
              'src/guestbook_worker/templates/notify_en.txt',
              'src/guestbook_worker/notify.py',
            ],
          },
          {
            a: 2,
            subject: 'feat(notify): German mail template',
            files: ['src/guestbook_worker/templates/notify_de.txt'],
          },
        ],
      },
      {
        d: 7,
        a: 1,
        kind: 'squash',
        pr: 39,
        subject: 'fix(thumbnails): handle CMYK JPEGs',
        key: 'SAAS-1574',
        files: ['src/guestbook_worker/thumbnails.py'],
      },
      {
        d: 5,
        a: 3,
        kind: 'direct',
        subject: 'chore(deps): bump redis to 5.0.4',
        files: ['pyproject.toml'],
      },
      {
        d: 3,
        a: 0,
        kind: 'squash',
        pr: 41,
        subject: 'feat(digest): weekly digest option',
        key: 'SAAS-1576',
        files: [
          'src/guestbook_worker/digest.py',
          'src/guestbook_worker/config.py',
        ],
      },
      {
        d: 1,
        a: 2,
        kind: 'squash',
        pr: 43,
        subject: 'fix(webhooks): time out after 5 s',
        key: 'SAAS-1578',
        files: ['src/guestbook_worker/webhooks.py'],
      },
    ],
  },
];

// ---------------------------------------------------------------------------
// GitOps repository calendar (days before the anchor day).
// ---------------------------------------------------------------------------

/** The GitOps repository starts this many days before the anchor day. */
export const GITOPS_START_DAY = 42;

/**
 * Promotion days per service and target stage. A promotion copies the
 * version of the previous stage at that moment (skipped when the target
 * already runs it or something newer). Hours: qa 10h, staging 14h, prod 16h.
 */
export const PROMOTION_DAYS = {
  'guestbook-ui': {
    qa: [41, 37, 34, 30, 26, 23, 19, 16, 13, 9, 6, 4, 2],
    staging: [39, 35, 32, 28, 25, 21, 18, 15, 12, 8, 5, 1],
    // The last prod promotion (day 6) brings dark mode (SAAS-1543).
    prod: [38, 31, 24, 17, 13, 6],
  },
  'guestbook-api': {
    // qa is frozen after day 21 (qa database rebuild, SAAS-1602): dev keeps
    // moving, qa, staging and prod stay where they were.
    qa: [40, 37, 33, 30, 26, 21],
    staging: [39, 35, 32, 28, 24, 20],
    prod: [38, 31, 27, 19],
  },
  'guestbook-worker': {
    qa: [41, 37, 34, 31, 27, 23, 19, 16, 11, 8, 4, 2],
    staging: [40, 36, 32, 29, 26, 21, 17, 13, 10, 6, 3, 1],
    prod: [38, 31, 24, 17, 13, 6, 3],
  },
};

export const STAGE_HOURS = { qa: 10, staging: 14, prod: 16 };

export const PROMOTERS = ['priya', 'jonas', 'nadia', 'olga'];

/** The rollback: guestbook-ui in prod-eu, back to its previous version. */
export const ROLLBACK = {
  service: 'guestbook-ui',
  environment: 'prod-eu',
  day: 3,
  hour: 9,
  author: 'nadia',
  reason:
    'Dark mode ({from}) makes the EU cookie banner unreadable (INC-2211).\nprod-us has no cookie banner and stays on {from}.',
};

/** The one direct version change: a hotfix straight to staging, skipping qa. */
export const DIRECT_VERSION_CHANGE = {
  service: 'guestbook-worker',
  environment: 'staging',
  day: 14,
  hour: 15,
  author: 'olga',
  subject: 'hotfix: deploy guestbook-worker {tag} straight to staging',
  body: 'The broker reconnect stall (SAAS-1568) blocks the staging load test.\nqa is mid-run, so this fix skips it.',
};

/**
 * The bad version, for the deployment steps (docs/pipeline.md "Steps"):
 * guestbook-ui #162 went from dev to qa yesterday evening, after the day's
 * staging promotion. qa runs no smoke test, so nobody noticed that this
 * version's health endpoint answers 500; staging and prod do run one. A
 * person who promotes it to staging sees the smoke test fail and the portal
 * roll staging back through Git. demo-summary.json lists it in `badVersions`;
 * the backend's demo endpoint (gitops.demoCluster.badVersionsFile) answers
 * 500 for it.
 */
export const BAD_VERSION = {
  service: 'guestbook-ui',
  /** The pull request of the source repository whose version is bad. */
  pr: 162,
  stage: 'qa',
  day: 1,
  hour: 20,
  author: 'jonas',
  reason:
    'The German plural rules crash the server-side render: its health endpoint answers 500.',
};

/** The lagging environment (documentation for the summary). */
export const LAGGING = {
  service: 'guestbook-api',
  environment: 'qa',
  reason:
    'qa is frozen while the qa database is rebuilt (SAAS-1602): dev kept receiving versions, qa, staging and prod were not promoted since.',
};

/**
 * Config-only changes (no version changes). `mutate(state)` edits the
 * rendering state of the GitOps repository. `pr` makes it a PR merge.
 */
export const CONFIG_CHANGES = [
  {
    day: 41,
    hour: 13,
    author: 'nadia',
    subject: 'guestbook-ui: run 3 replicas in prod-us and prod-eu',
    mutate: s => {
      s.ui.replicas['prod-us'] = 3;
      s.ui.replicas['prod-eu'] = 3;
    },
  },
  {
    day: 37,
    hour: 11,
    author: 'tom',
    subject: 'guestbook-worker: fluent-bit sidecar 3.0.7 in every environment',
    body: 'Only the log-shipper sidecar changes; the worker image is untouched.',
    mutate: s => {
      s.worker.fluentBit = '3.0.7';
    },
  },
  {
    day: 40,
    hour: 15,
    author: 'tom',
    subject: 'guestbook-api: 2 replicas in staging',
    mutate: s => {
      s.api.replicas.staging = 2;
    },
  },
  {
    day: 35,
    hour: 12,
    author: 'nadia',
    subject: 'guestbook-worker: 3 replicas in prod-eu',
    body: 'The EU queue is twice as busy as the US one in the evening.',
    mutate: s => {
      s.worker.replicas['prod-eu'] = 3;
    },
  },
  {
    day: 33,
    hour: 15,
    author: 'nadia',
    subject: 'guestbook-api: DATABASE_POOL_SIZE 20 in prod',
    mutate: s => {
      s.api.poolSize['prod-us'] = 20;
      s.api.poolSize['prod-eu'] = 20;
    },
  },
  {
    day: 29,
    hour: 12,
    author: 'tom',
    subject: 'pipeline: URLs for qa and staging',
    mutate: s => {
      s.pipelineUrls.qa = true;
      s.pipelineUrls.staging = true;
    },
  },
  {
    day: 31,
    hour: 9,
    author: 'priya',
    subject:
      'guestbook-api: RATE_LIMIT_PER_MINUTE 120 in qa for the load tests',
    mutate: s => {
      s.api.rateLimit.qa = 120;
    },
  },
  {
    day: 27,
    hour: 15,
    author: 'nadia',
    pr: 41,
    branch: 'api-resource-requests',
    title: 'guestbook-api: resource requests outside dev and qa',
    commits: [
      {
        hour: 9,
        author: 'tom',
        subject: 'guestbook-api: CPU and memory requests in staging',
        mutate: s => {
          s.api.resources.staging = true;
        },
      },
      {
        hour: 10,
        author: 'tom',
        subject:
          'guestbook-api: CPU and memory requests in prod-us and prod-eu',
        mutate: s => {
          s.api.resources['prod-us'] = true;
          s.api.resources['prod-eu'] = true;
        },
      },
    ],
  },
  {
    day: 23,
    hour: 11,
    author: 'tom',
    subject: 'guestbook-ui: nginx edge proxy 1.27.1-alpine',
    body: 'The nginx image of the edge-proxy container, in every overlay. The guestbook-ui image is untouched.',
    mutate: s => {
      s.ui.nginx = '1.27.1-alpine';
    },
  },
  {
    day: 25,
    hour: 10,
    author: 'tom',
    subject: 'CODEOWNERS: SRE reviews the prod manifests',
    mutate: s => {
      s.docs.sreOwners = true;
    },
  },
  {
    day: 21,
    hour: 16,
    author: 'priya',
    subject:
      'guestbook-api: qa read-only while its database is rebuilt (SAAS-1602)',
    body: 'No promotions to qa until the rebuild is done.',
    mutate: s => {
      s.api.readOnly.qa = true;
    },
  },
  {
    day: 19,
    hour: 11,
    author: 'nadia',
    subject: 'guestbook-ui: 4 replicas in prod-us for the spring campaign',
    mutate: s => {
      s.ui.replicas['prod-us'] = 4;
    },
  },
  {
    day: 17,
    hour: 14,
    author: 'olga',
    subject: 'guestbook-worker: WORKER_CONCURRENCY 2 in dev',
    mutate: s => {
      s.worker.concurrency.dev = 2;
    },
  },
  {
    day: 12,
    hour: 10,
    author: 'nadia',
    subject: 'docs: rollback runbook',
    mutate: s => {
      s.docs.runbook = true;
    },
  },
  {
    day: 10,
    hour: 9,
    author: 'tom',
    subject: 'guestbook-worker: fluent-bit sidecar 3.1.4 in every environment',
    mutate: s => {
      s.worker.fluentBit = '3.1.4';
    },
  },
  {
    day: 9,
    hour: 13,
    author: 'olga',
    subject: 'guestbook-worker: WORKER_CONCURRENCY 8 in prod-us and prod-eu',
    mutate: s => {
      s.worker.concurrency['prod-us'] = 8;
      s.worker.concurrency['prod-eu'] = 8;
    },
  },
  {
    day: 7,
    hour: 11,
    author: 'priya',
    subject: 'guestbook-api: LOG_LEVEL debug in dev',
    mutate: s => {
      s.api.logLevel.dev = 'debug';
    },
  },
  {
    day: 5,
    hour: 13,
    author: 'nadia',
    subject: 'guestbook-ui: PodDisruptionBudget in prod-eu',
    mutate: s => {
      s.ui.pdb['prod-eu'] = true;
    },
  },
  {
    day: 4,
    hour: 10,
    author: 'nadia',
    subject: 'guestbook-ui: back to 3 replicas in prod-us',
    mutate: s => {
      s.ui.replicas['prod-us'] = 3;
    },
  },
  {
    day: 2,
    hour: 15,
    author: 'tom',
    subject: 'guestbook-worker: spread prod-us pods across zones',
    mutate: s => {
      s.worker.spread['prod-us'] = true;
    },
  },
  {
    day: 1,
    hour: 11,
    author: 'priya',
    subject: 'guestbook-api: DATABASE_POOL_SIZE 8 in staging',
    mutate: s => {
      s.api.poolSize.staging = 8;
    },
  },
];
