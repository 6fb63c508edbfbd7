import { createApp } from '@backstage/frontend-defaults';
import catalogPlugin from '@backstage/plugin-catalog/alpha';
import gitopsPlugin from '@gitops2/plugin-gitops/alpha';
import { navModule } from './modules/nav';
import { homeModule } from './modules/home';
import { signInModule } from './modules/signIn';

// Plugins listed in package.json are also discovered at runtime
// (`app.packages: all`); listing them here too is harmless: the app
// deduplicates features by plugin id. Listing them keeps tests, which do not
// run discovery, close to the real app.
export default createApp({
  features: [catalogPlugin, gitopsPlugin, navModule, homeModule, signInModule],
});
