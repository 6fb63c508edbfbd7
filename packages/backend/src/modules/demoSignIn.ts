import { createBackendModule } from '@backstage/backend-plugin-api';
import { NotAllowedError } from '@backstage/errors';
import {
  authProvidersExtensionPoint,
  createProxyAuthenticator,
  createProxyAuthProviderFactory,
} from '@backstage/plugin-auth-node';

/**
 * A demo identity next to the guest: an auth provider that signs anyone in
 * as one catalog user. Like the guest provider it only works in
 * development, or with
 * `auth.providers.<providerId>.dangerouslyAllowOutsideDevelopment: true`.
 */
export function createDemoSignInModule(options: {
  providerId: string;
  userEntityRef: string;
  displayName: string;
  email: string;
}) {
  const authenticator = createProxyAuthenticator({
    defaultProfileTransform: async () => ({
      profile: { displayName: options.displayName, email: options.email },
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
          `the demo ${options.providerId} sign-in only works in development`,
        );
      }
      return { result: {} };
    },
  });
  return createBackendModule({
    pluginId: 'auth',
    moduleId: `demo-${options.providerId}-provider`,
    register(reg) {
      reg.registerInit({
        deps: { providers: authProvidersExtensionPoint },
        async init({ providers }) {
          providers.registerProvider({
            providerId: options.providerId,
            factory: createProxyAuthProviderFactory({
              authenticator,
              signInResolver: async (_info, ctx) =>
                ctx.signInWithCatalogUser({
                  entityRef: options.userEntityRef,
                }),
            }),
          });
        },
      });
    },
  });
}
