/*
 * Runs the double from the command line, for manual checks and the demo:
 *
 *   node --require @backstage/cli/config/nodeTransform.cjs \
 *     packages/github-api-double/src/cli.ts \
 *     --repo acme/gitops=/path/to/local/repo [--repo owner/name=/path ...] \
 *     [--bare owner/name=/path/to/bare.git] [--port 3456] [--token T] [--work-dir DIR]
 *
 * Prints the API URL; serves the `/__double/*` control surface; Ctrl-C stops it.
 */
import { start } from './server';
import type { RepoSpec } from './ServedRepo';

/** Parses the arguments and starts a double; returns it (for tests). */
export async function main(argv: string[]) {
  const values = (name: string) =>
    argv.flatMap((a, i) => (a === `--${name}` ? [argv[i + 1]] : []));
  const one = (name: string) => values(name)[0];
  const pair = (v: string) => {
    const eq = v.indexOf('=');
    if (eq <= 0) throw new Error(`expected owner/name=path, got "${v}"`);
    return { slug: v.slice(0, eq), path: v.slice(eq + 1) };
  };
  const repos: RepoSpec[] = [
    ...values('repo')
      .map(pair)
      .map(r => ({ slug: r.slug, from: r.path })),
    ...values('bare')
      .map(pair)
      .map(r => ({ slug: r.slug, bare: r.path })),
  ];
  if (repos.length === 0) {
    throw new Error('give at least one --repo owner/name=/path/to/repo');
  }
  const double = await start({
    port: Number(one('port') ?? 0),
    host: one('host'),
    token: one('token'),
    workDir: one('work-dir'),
    repos,
    controlApi: true,
  });
  process.stdout.write(
    `github-api-double listening on ${double.url} (repositories: ${repos
      .map(r => r.slug)
      .join(', ')}; bare clones in ${double.workDir})\n`,
  );
  return double;
}

if (require.main === module) {
  main(process.argv.slice(2))
    .then(double => {
      const stop = () => {
        double.close().then(() => process.exit(0));
      };
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    })
    .catch(e => {
      process.stderr.write(`${e?.stack ?? e}\n`);
      process.exit(1);
    });
}
