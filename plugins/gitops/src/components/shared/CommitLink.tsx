import { Link } from '@backstage/core-components';
import Typography from '@material-ui/core/Typography';
import type { GitCommitRef } from '@gitops2/plugin-gitops-common';
import { shortSha } from './format';

/**
 * The short sha of a GitOps commit: a link to the commit when the repository
 * has a web view, plain text otherwise. The subject is shown on hover.
 */
export const CommitLink = (props: { commit: GitCommitRef }) => {
  const { commit } = props;
  const sha = shortSha(commit.sha);
  if (commit.url) {
    return (
      <Link to={commit.url} title={commit.subject}>
        <code>{sha}</code>
      </Link>
    );
  }
  return (
    <Typography component="code" variant="inherit" title={commit.subject}>
      {sha}
    </Typography>
  );
};
