import type { BackstageCredentials } from '@backstage/backend-plugin-api';

/**
 * Backstage's permission client allows every service principal without
 * access restrictions, whatever the policy says (a backend plugin's own
 * token, an external access token). Writes are people's: a service may only
 * make one where its token's access restrictions name the permission
 * explicitly (`backend.auth.externalAccess[].accessRestrictions`), which is
 * an operator's deliberate grant. Returns the reason for a denial, if any.
 */
export function serviceWriteDenial(
  credentials: BackstageCredentials,
  permissionName: string,
): string | undefined {
  const principal = credentials.principal as {
    type: string;
    subject?: string;
    accessRestrictions?: { permissionNames?: string[] };
  };
  if (principal.type !== 'service') return undefined;
  const granted = principal.accessRestrictions?.permissionNames ?? [];
  if (granted.includes(permissionName)) return undefined;
  return `${permissionName} denied for service ${
    principal.subject ?? 'unknown'
  }: a service may write only when its access restrictions name ${permissionName}`;
}
