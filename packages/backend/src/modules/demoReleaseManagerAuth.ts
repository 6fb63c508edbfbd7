import { createDemoSignInModule } from './demoSignIn';

/**
 * A second demo identity next to the guest: "Rita, release manager"
 * (user:default/release-manager), so that promotions to production can be
 * approved by someone other than the requester in the demo. Development
 * only (see demoSignIn.ts).
 */
export default createDemoSignInModule({
  providerId: 'release-manager',
  userEntityRef: 'user:default/release-manager',
  displayName: 'Rita (release manager)',
  email: 'rita@example.com',
});
