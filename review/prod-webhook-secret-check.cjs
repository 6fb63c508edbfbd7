const { ConfigSources } = require('/work/wt-review/node_modules/@backstage/config-loader');
const { ConfigReader } = require('/work/wt-review/node_modules/@backstage/config');
(async () => {
  delete process.env.GITHUB_WEBHOOK_SECRET;
  const source = ConfigSources.default({
    argv: ['--config', '/work/wt-review/app-config.yaml', '--config', '/work/wt-review/app-config.production.yaml'],
    rootDir: '/work/wt-review', remote: undefined,
    substitutionFunc: async name => process.env[name] && process.env[name].trim(),
  });
  const config = await ConfigSources.toConfig(source);
  console.log('secret with env unset:', JSON.stringify(config.getOptionalString('events.modules.github.webhookSecret')));
  process.env.GITHUB_WEBHOOK_SECRET = 'real';
  const c2 = await ConfigSources.toConfig(ConfigSources.default({argv: ['--config', '/work/wt-review/app-config.yaml', '--config', '/work/wt-review/app-config.production.yaml'], rootDir: '/work/wt-review'}));
  console.log('secret with env set:', c2.getOptionalString('events.modules.github.webhookSecret'));
  console.log('webUrl repos:', JSON.stringify(c2.getOptionalConfigArray('gitops.repositories')?.map(r => [r.getString('id'), r.getOptionalString('provider'), r.getOptionalString('webUrl')])));
  process.exit(0);
})().catch(e => { console.error(e); process.exit(1); });
