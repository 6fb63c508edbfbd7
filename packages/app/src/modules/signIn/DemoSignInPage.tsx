import { useState } from 'react';
import Button from '@material-ui/core/Button';
import Grid from '@material-ui/core/Grid';
import Typography from '@material-ui/core/Typography';
import {
  Content,
  Header,
  InfoCard,
  Page,
  ProxiedSignInPage,
} from '@backstage/core-components';
import type { SignInPageProps } from '@backstage/core-plugin-api';

const STORAGE_KEY = 'gitops-demo-sign-in-provider';

const IDENTITIES = [
  {
    provider: 'guest',
    title: 'Guest developer',
    description:
      'Member of the guestbook team: promotes and rolls back services. Production promotions wait for a release manager.',
    button: 'Enter',
  },
  {
    provider: 'release-manager',
    title: 'Rita, release manager',
    description:
      'Member of release-managers: approves promotions to production (never her own).',
    button: 'Enter as release manager',
  },
  {
    provider: 'visitor',
    title: 'Vic, visitor from another team',
    description:
      'May not read the guestbook services in the catalog: the GitOps pages, API and MCP actions answer as if they did not exist.',
    button: 'Enter as visitor',
  },
];

/**
 * The demo's sign-in page: two identities, so that the approval flow can be
 * tried by two people, and a visitor who may not read the guestbook
 * services. All are proxy providers of the auth backend that only work in
 * development. The choice is remembered, like the guest sign-in.
 */
export function DemoSignInPage(props: SignInPageProps) {
  const [provider, setProvider] = useState<string | null>(() =>
    window.localStorage.getItem(STORAGE_KEY),
  );
  if (provider) {
    return (
      <ProxiedSignInPage
        {...props}
        provider={provider}
        onSignInSuccess={identity => {
          // Delegate explicitly: the identity is a class instance whose
          // methods live on its prototype.
          props.onSignInSuccess({
            getProfileInfo: () => identity.getProfileInfo(),
            getBackstageIdentity: () => identity.getBackstageIdentity(),
            getCredentials: () => identity.getCredentials(),
            // Signing out returns to the choice of identity.
            signOut: async () => {
              window.localStorage.removeItem(STORAGE_KEY);
              await identity.signOut();
            },
          });
        }}
      />
    );
  }
  return (
    <Page themeId="home">
      <Header title="GitOps 2.0 Portal" subtitle="Demo: choose who you are" />
      <Content>
        <Grid container spacing={3}>
          {IDENTITIES.map(i => (
            <Grid item xs={12} sm={6} md={4} key={i.provider}>
              <InfoCard
                title={i.title}
                variant="fullHeight"
                actions={
                  <Button
                    color="primary"
                    variant="outlined"
                    onClick={() => {
                      window.localStorage.setItem(STORAGE_KEY, i.provider);
                      setProvider(i.provider);
                    }}
                  >
                    {i.button}
                  </Button>
                }
              >
                <Typography variant="body1">{i.description}</Typography>
              </InfoCard>
            </Grid>
          ))}
        </Grid>
      </Content>
    </Page>
  );
}
