import { useCallback, useEffect, useRef, useState } from 'react';
import type {
  EntityRefParts,
  GitopsApi,
  Rollout,
} from '@gitops2/plugin-gitops-common';

/** Rollouts fetched per page. */
export const ROLLOUTS_PAGE_SIZE = 20;

export interface RolloutsState {
  items: Rollout[];
  nextCursor?: string;
  totalCount: number;
  /** The first page is loading. */
  loading: boolean;
  /** Error of the first page. */
  error?: Error;
  /** An older page is loading. */
  loadingMore: boolean;
  /** Error of the last "load more". */
  loadMoreError?: Error;
}

const initialState: RolloutsState = {
  items: [],
  totalCount: 0,
  loading: true,
  loadingMore: false,
};

/**
 * The rollout ledger of one service, newest first, optionally for one
 * environment, with cursor pagination. Changing the entity or the
 * environment refetches the first page; a refetch's answer shows as soon as
 * it comes unless a newer one was shown, and answers of another query are
 * dropped.
 */
export function useRollouts(
  api: GitopsApi,
  entity: EntityRefParts,
  environment: string | undefined,
  /** Bumped after a promotion or rollback: refetch, keeping the rows shown. */
  refreshKey = 0,
) {
  const { kind, namespace, name } = entity;
  const [state, setState] = useState<RolloutsState>(initialState);
  const generation = useRef(0);
  /** The first request of the current query, and the newest answer shown. */
  const queryStart = useRef(0);
  const shown = useRef(0);
  const query = `${kind}/${namespace}/${name}/${environment ?? ''}`;
  const lastQuery = useRef(query);

  useEffect(() => {
    const current = ++generation.current;
    const refreshOnly = lastQuery.current === query;
    lastQuery.current = query;
    if (!refreshOnly) {
      queryStart.current = current;
      setState(initialState);
    }
    api
      .getRollouts(
        { kind, namespace, name },
        { environment, limit: ROLLOUTS_PAGE_SIZE },
      )
      .then(
        page => {
          // A refetch of the same query shows as soon as it answers, unless
          // a newer one answered first (a burst of refreshes never keeps
          // the rows from updating until the last one answers).
          if (current < queryStart.current || current < shown.current) return;
          shown.current = current;
          setState({
            items: page.items,
            nextCursor: page.nextCursor,
            totalCount: page.totalCount,
            loading: false,
            loadingMore: false,
          });
        },
        error => {
          if (current !== generation.current) return;
          setState({ ...initialState, loading: false, error });
        },
      );
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [api, kind, namespace, name, environment, refreshKey]);

  const loadMore = useCallback(() => {
    const cursor = state.nextCursor;
    if (!cursor || state.loadingMore) return;
    const current = generation.current;
    setState(s => ({ ...s, loadingMore: true, loadMoreError: undefined }));
    api
      .getRollouts(
        { kind, namespace, name },
        { environment, limit: ROLLOUTS_PAGE_SIZE, before: cursor },
      )
      .then(
        page => {
          if (current !== generation.current) return;
          setState(s => ({
            ...s,
            items: [...s.items, ...page.items],
            nextCursor: page.nextCursor,
            totalCount: page.totalCount,
            loadingMore: false,
          }));
        },
        error => {
          if (current !== generation.current) return;
          setState(s => ({ ...s, loadingMore: false, loadMoreError: error }));
        },
      );
  }, [
    api,
    kind,
    namespace,
    name,
    environment,
    state.nextCursor,
    state.loadingMore,
  ]);

  return { ...state, loadMore };
}
