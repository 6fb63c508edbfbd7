import { createBackendModule } from '@backstage/backend-plugin-api';
import { NotAllowedError } from '@backstage/errors';
import {
  authProvidersExtensionPoint,
  createProxyAuthenticator,
  createProxyAuthProviderFactory,
} from '@backstage/plugin-auth-node';

/**
 * A second demo identity next to the guest: "Rita, release manager"
 * (user:default/release-manager), so that promotions to production can be
 * approved by someone other than the requester in the demo. Like the guest
 * provider it only works in development, or with
 * `auth.providers.release-manager.dangerouslyAllowOutsideDevelopment: true`.
 */
const releaseManagerAuthenticator = createProxyAuthenticator({
  defaultProfileTransform: async () => ({
    profile: {
      displayName: 'Rita (release manager)',
      email: 'rita@example.com',
    },
  }),
  initialize({ config }) {
    return (
      process.env.NODE_ENV !== 'development' &&
      config.getOptionalBoolean('dangerouslyAllowOutsideDevelopment') !== true
    );
  },
  async authenticate(_, disabled) {
    if (disabled) {
      throw new NotAllowedError(
        'the demo release-manager sign-in only works in development',
      );
    }
    return { result: {} };
  },
});

export default createBackendModule({
  pluginId: 'auth',
  moduleId: 'demo-release-manager-provider',
  register(reg) {
    reg.registerInit({
      deps: { providers: authProvidersExtensionPoint },
      async init({ providers }) {
        providers.registerProvider({
          providerId: 'release-manager',
          factory: createProxyAuthProviderFactory({
            authenticator: releaseManagerAuthenticator,
            signInResolver: async (_info, ctx) =>
              ctx.signInWithCatalogUser({
                entityRef: 'user:default/release-manager',
              }),
          }),
        });
      },
    });
  },
});
