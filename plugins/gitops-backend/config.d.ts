import { HumanDuration } from '@backstage/types';

export interface Config {
  /** Configuration of the GitOps 2.0 plugins (docs/configuration.md). */
  gitops?: {
    /**
     * GitOps repositories to ingest. Catalog entities point at one with the
     * `gitops2.io/gitops-repo` annotation (its `id`).
     */
    repositories?: Array<{
      /**
       * Identifier used by the annotation; 1-63 letters, digits, `.`, `_`, `-`.
       * @visibility backend
       */
      id: string;
      /**
       * `local`: a Git repository on the backend's file system (path or
       * file:// URL), read with the git CLI. `github`: a GitHub repository read
       * through its REST API with the token of `integrations.github`.
       * @visibility backend
       */
      provider: 'local' | 'github';
      /**
       * local: a path (relative to the backend's working directory) or a
       * file:// URL. github: `https://github.com/<owner>/<repo>` (or the
       * GitHub Enterprise host of an `integrations.github` entry).
       * @visibility backend
       */
      url: string;
      /**
       * Branch the clusters follow. Default `main`.
       * @visibility backend
       */
      branch?: string;
      /**
       * Path of the pipeline file in the repository. Default `gitops-pipeline.yaml`.
       * @visibility backend
       */
      pipelineFile?: string;
      /**
       * Link template for commits of a local repository, `{sha}` is replaced.
       * @visibility backend
       */
      commitUrlTemplate?: string;
      /**
       * JSON file (`{"commits": [{"sha": "…", "actionId": "…"}]}`) of commits
       * the portal wrote before this database recorded them, imported at
       * startup so their Gitops-* trailers are trusted. The demo uses it for
       * its generated history. Path relative to the backend's working
       * directory, or absolute.
       * @visibility backend
       */
      portalCommitsFile?: string;
    }>;
    /**
     * Roots of source repositories. A catalog entity annotated
     * `gitops2.io/source-repo: <root id>:<name>` has its source in the Git
     * repository `<path>/<name>`.
     */
    sourceRoots?: Array<{
      /**
       * Identifier used before the colon of the annotation.
       * @visibility backend
       */
      id: string;
      /**
       * Only `local` (Git repositories on the backend's file system) for now.
       * @visibility backend
       */
      provider: 'local';
      /**
       * Directory holding one Git repository per name (relative to the
       * backend's working directory, or absolute).
       * @visibility backend
       */
      path: string;
      /**
       * Link to a commit; `{repo}` (the name) and `{sha}` are replaced.
       * @visibility backend
       */
      commitUrlTemplate?: string;
      /**
       * Link to a pull request; `{repo}` and `{number}` are replaced.
       * @visibility backend
       */
      pullRequestUrlTemplate?: string;
    }>;
    /** Feature-to-deployment correlation (docs/architecture.md#correlation). */
    correlation?: {
      /**
       * How often pending rollouts are correlated. Default 30 seconds; it also
       * runs right after each ingestion run.
       * @visibility backend
       */
      frequency?: HumanDuration;
      /**
       * Longest a correlation run may take. Default 10 minutes.
       * @visibility backend
       */
      timeout?: HumanDuration;
      /**
       * Regular expression with a named group `sha` that extracts a source
       * commit from a version tag, e.g. `^v[0-9.]+-g(?<sha>[0-9a-f]{7,40})$`.
       * @visibility backend
       */
      tagPattern?: string;
      /**
       * Regular expressions of issue keys searched in commit messages and
       * branch names. Default `[A-Z][A-Z0-9]+-[0-9]+` (Jira keys).
       * @visibility backend
       */
      issueKeyPatterns?: string[];
      /**
       * Link to an issue; `{key}` is replaced, e.g.
       * `https://jira.example.com/browse/{key}`.
       * @visibility backend
       */
      issueUrlTemplate?: string;
      /**
       * Commits recorded as the baseline of a service's first deployment to an
       * environment (all its history up to this count). Default 1000.
       * @visibility backend
       */
      baselineMaxCommits?: number;
      /**
       * Rollouts correlated per run. Default 200.
       * @visibility backend
       */
      batchSize?: number;
    };
    /** Ingestion schedule. */
    ingestion?: {
      /**
       * How often each repository is ingested. Default 30 seconds.
       * @visibility backend
       */
      frequency?: HumanDuration;
      /**
       * Longest an ingestion run may take. Default 10 minutes.
       * @visibility backend
       */
      timeout?: HumanDuration;
    };
    /** The write path: promotions and rollbacks (docs/promotion.md). */
    promotion?: {
      /**
       * Seconds a replica's lease on an action lasts without renewal (it is
       * renewed every third of that while the replica works). A crashed
       * replica's action is taken over by reconciliation after this long.
       * Default 30, between 2 and 3600.
       * @visibility backend
       */
      leaseSeconds?: number;
      /**
       * How often each replica reconciles actions: crashed writes, pull
       * requests merged or closed on the Git host, finished locks. Default
       * 30 seconds.
       * @visibility backend
       */
      reconcileFrequency?: HumanDuration;
    };
    /** Limits against hostile or accidental big files (docs/configuration.md). */
    limits?: {
      /**
       * Largest manifest or pipeline file read from a GitOps repository, in
       * bytes; a larger file is reported as an error, not read. Default
       * 1048576 (1 MiB); 1024 to 104857600.
       * @visibility backend
       */
      maxManifestBytes?: number;
    };
    /**
     * Kubernetes clusters watched for live status (docs/clusters.md). `name`
     * matches `cluster:` of the environments in the pipeline file.
     */
    clusters?: Array<{
      /** @visibility backend */
      name: string;
      /** API server URL, e.g. https://k8s.example.com:6443. @visibility backend */
      url: string;
      /** Only `serviceAccount` (a bearer token) for now. @visibility backend */
      authProvider: 'serviceAccount';
      /** Token of a service account allowed to list and watch. @visibility secret */
      serviceAccountToken: string;
      /** Base64 PEM of the API server's CA. @visibility secret */
      caData?: string;
      /** Skip TLS verification (development only). @visibility backend */
      skipTLSVerify?: boolean;
    }>;
    /**
     * Demo only: start an in-process Kubernetes API double as the clusters of
     * the demo pipeline, reconciled from the ledger like Argo CD would.
     */
    demoCluster?: {
      /** @visibility backend */
      enabled?: boolean;
    };
  };
}
