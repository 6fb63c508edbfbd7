import { FormEvent, useEffect, useState } from 'react';
import { useSearchParams } from 'react-router-dom';
import {
  EmptyState,
  InfoCard,
  Progress,
  ResponseErrorPanel,
} from '@backstage/core-components';
import { useApi } from '@backstage/core-plugin-api';
import Box from '@material-ui/core/Box';
import Button from '@material-ui/core/Button';
import Grid from '@material-ui/core/Grid';
import TextField from '@material-ui/core/TextField';
import Typography from '@material-ui/core/Typography';
import { parseFeatureQuery } from '@gitops2/plugin-gitops-common';
import useAsync from 'react-use/esm/useAsync';
import { gitopsApiRef } from '../../api';
import { ServicePresence } from './ServicePresence';

const KIND_TEXT = {
  issue: 'issue',
  'pull-request': 'pull request',
  commit: 'commit',
} as const;

/**
 * The feature tracker: where an issue key, a pull request or a commit runs,
 * per service and environment, since when, and how long it stayed in each
 * environment. The search is in the URL (`?q=`), so results can be shared.
 */
export const FeatureTracker = () => {
  const api = useApi(gitopsApiRef);
  const [searchParams, setSearchParams] = useSearchParams();
  const q = searchParams.get('q') ?? '';
  const [input, setInput] = useState(q);
  const [inputError, setInputError] = useState<string>();

  // Back/forward, or a link to another search: follow the URL.
  useEffect(() => {
    setInput(q);
    setInputError(undefined);
  }, [q]);

  const parsed = q.trim() ? parseFeatureQuery(q) : undefined;
  const valid = parsed && !('error' in parsed) ? parsed : undefined;
  const urlError = parsed && 'error' in parsed ? parsed.error : undefined;

  const result = useAsync(async () => {
    if (!valid) return undefined;
    return api.lookupFeature(q.trim());
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [api, q, Boolean(valid)]);

  const submit = (event: FormEvent) => {
    event.preventDefault();
    const value = input.trim();
    if (!value) {
      setInputError(undefined);
      setSearchParams({});
      return;
    }
    const check = parseFeatureQuery(value);
    if ('error' in check) {
      setInputError(check.error);
      return;
    }
    setInputError(undefined);
    setSearchParams({ q: value });
  };

  const error = inputError ?? (input === q ? urlError : undefined);

  let body;
  if (!q.trim() || urlError) {
    body = (
      <Typography variant="body2" color="textSecondary">
        Search for an issue key (SAAS-1543), a pull request (#142) or a commit
        sha to see which environments run it, since when, and how long it stayed
        in each environment before the next.
      </Typography>
    );
  } else if (result.loading) {
    body = <Progress />;
  } else if (result.error) {
    body = <ResponseErrorPanel error={result.error} />;
  } else if (result.value && result.value.services.length === 0) {
    body = (
      <EmptyState
        missing="data"
        title={`Nothing matches ${q.trim()}`}
        description={`No deployed ${
          KIND_TEXT[result.value.kind]
        } of any service matches ${q.trim()}. Commits are known once a rollout carrying them has been correlated.`}
      />
    );
  } else if (result.value) {
    body = (
      <Grid container spacing={3} direction="column">
        {result.value.services.map(service => (
          <Grid item key={`${service.repositoryId}/${service.service}`}>
            <ServicePresence presence={service} />
          </Grid>
        ))}
      </Grid>
    );
  }

  return (
    <Grid container spacing={3} direction="column">
      <Grid item>
        <InfoCard title="Feature tracker">
          <form onSubmit={submit} role="search" aria-label="Feature search">
            <Box display="flex" alignItems="flex-start" gridGap={8}>
              <TextField
                id="gitops-feature-search"
                label="Issue key, pull request or commit"
                placeholder="SAAS-1543, #142 or 3d9b390"
                variant="outlined"
                size="small"
                fullWidth
                value={input}
                onChange={e => {
                  setInput(e.target.value);
                  setInputError(undefined);
                }}
                error={Boolean(error)}
                helperText={error}
                inputProps={{
                  'data-testid': 'gitops-feature-search',
                  maxLength: 100,
                }}
              />
              <Button type="submit" variant="contained" color="primary">
                Search
              </Button>
            </Box>
          </form>
        </InfoCard>
      </Grid>
      <Grid item>{body}</Grid>
    </Grid>
  );
};
