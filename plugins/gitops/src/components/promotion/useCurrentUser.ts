import { identityApiRef, useApiHolder } from '@backstage/core-plugin-api';
import useAsync from 'react-use/esm/useAsync';

/**
 * The signed-in user's entity ref (`user:default/alice`), or undefined while
 * unknown or when the app has no identity API. Only used to hide buttons
 * that the backend would refuse anyway (approving one's own request).
 */
export function useCurrentUser(): string | undefined {
  const holder = useApiHolder();
  const identityApi = holder.get(identityApiRef);
  const { value } = useAsync(async () => {
    if (!identityApi) return undefined;
    const identity = await identityApi.getBackstageIdentity();
    return identity.userEntityRef;
  }, [identityApi]);
  return value;
}
