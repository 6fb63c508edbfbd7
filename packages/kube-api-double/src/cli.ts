/*
 * Runs a double from the command line, for the demo and manual checks:
 *
 *   node --require @backstage/cli/config/nodeTransform.cjs \
 *     packages/kube-api-double/src/cli.ts [--port 6443] [--token T] [--empty]
 *
 * Prints the URL; Ctrl-C stops it.
 */
import { start } from './server';
import { sampleCluster } from './fixtures';

/** Parses `--port`, `--token`, `--empty` and starts a double. */
export async function main(argv: string[]): Promise<void> {
  const arg = (name: string) => {
    const i = argv.indexOf(`--${name}`);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const double = await start({
    port: Number(arg('port') ?? 0),
    token: arg('token'),
    objects: argv.includes('--empty') ? [] : sampleCluster(),
  });
  process.stdout.write(`kube-api-double listening on ${double.url}\n`);
  const stop = () => {
    double.close().then(() => process.exit(0));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

if (require.main === module) {
  main(process.argv.slice(2)).catch(e => {
    process.stderr.write(`${e?.stack ?? e}\n`);
    process.exit(1);
  });
}
