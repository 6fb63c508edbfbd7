import { Content, Header, Page } from '@backstage/core-components';
import { RepositoriesContent } from './RepositoriesContent';

/**
 * The GitOps page (legacy app): the configured repositories and their
 * ingestion state.
 *
 * @public
 */
export const GitopsPage = () => (
  <Page themeId="tool">
    <Header
      title="GitOps"
      subtitle="GitOps repositories and their ingestion state"
    />
    <Content>
      <RepositoriesContent />
    </Content>
  </Page>
);
