import Link from '@material-ui/core/Link';
import type { RepositoryState } from '@gitops2/plugin-gitops-common';

/**
 * Where a GitOps repository lives, as a person may see it: its remote URL
 * as a link when it has one, else that it is a repository on the portal's
 * server (never the server's path).
 */
export const RepositoryLocation = (props: {
  repository: Pick<RepositoryState, 'location' | 'provider'>;
}) => {
  const { location } = props.repository;
  if (location && /^https?:\/\//.test(location)) {
    return (
      // Underlined: inside a line of text, colour alone would not tell it
      // is a link (axe link-in-text-block).
      <Link
        href={location}
        target="_blank"
        rel="noopener noreferrer"
        underline="always"
      >
        {location}
      </Link>
    );
  }
  return <span>(on the portal's server, no remote URL)</span>;
};
