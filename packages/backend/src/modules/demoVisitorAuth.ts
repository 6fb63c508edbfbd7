import { createDemoSignInModule } from './demoSignIn';

/**
 * A third demo identity: "Vic, visitor from another team"
 * (user:default/visitor), who may not read the guestbook services in the
 * catalog (permissionPolicy.ts), so the demo shows what the portal, its
 * API and its MCP actions answer to someone who may not see a service.
 * Development only (see demoSignIn.ts).
 */
export default createDemoSignInModule({
  providerId: 'visitor',
  userEntityRef: 'user:default/visitor',
  displayName: 'Vic (visitor from another team)',
  email: 'vic@example.com',
});
