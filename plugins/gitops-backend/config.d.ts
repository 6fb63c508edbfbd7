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
       * local only: the repository's web address on its Git host
       * (`https://<host>/<owner>/<repo>`), for a local clone of a hosted
       * repository. The API shows it instead of the server's path, and
       * GitHub-shaped `push` webhooks naming it (`repository.html_url`)
       * ingest this repository at once.
       * @visibility backend
       */
      webUrl?: string;
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
       * Seconds a replica's lease on an action, or on a deployment step,
       * lasts without renewal (it is renewed every third of that while the
       * replica works). A crashed replica's action is taken over by
       * reconciliation after this long, its step by the steps' engine.
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
    /** Live updates over Backstage signals (docs/api.md, "Live updates"). */
    signals?: {
      /**
       * Secret of the opaque change keys the broadcast carries (HMAC-SHA256),
       * the same on every replica; at least 16 characters. Default: a random
       * secret the first replica stores in the plugin's database.
       * @visibility secret
       */
      keySecret?: string;
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
     * Deployment steps of the pipeline file (docs/configuration.md "Steps",
     * docs/pipeline.md "Steps"): what their outbound requests may reach,
     * their secrets and the Prometheus servers they may query.
     */
    steps?: {
      /**
       * Targets of `http`, `webhook` and `prometheus` steps: hosts
       * (`api.example.com`, `*.example.com`, `host:port`), http(s) URL
       * prefixes (`https://hooks.example.com/services/`) and IP addresses or
       * CIDR ranges (`10.20.0.0/16`). Private, loopback and link-local
       * addresses are reached only when listed as an address or range.
       * Default: none (every outbound step is refused).
       * @visibility backend
       */
      allowedTargets?: string[];
      /**
       * Also allow the hosts of the environments' `url` in the pipeline file
       * (public addresses only). Default false.
       * @visibility backend
       */
      allowEnvironmentUrls?: boolean;
      /**
       * Secrets steps may use by name: `{secret:NAME}` in headers, `secret:`
       * of a webhook. At least 8 characters each.
       */
      secrets?: {
        /** @visibility secret */
        [name: string]: string;
      };
      /** Prometheus servers that `prometheus` steps name in `server`. */
      prometheus?: {
        [name: string]: {
          /** Base URL, e.g. https://prometheus.example.com. @visibility backend */
          url: string;
          /** Headers sent with each query, e.g. Authorization. */
          headers?: {
            /** @visibility secret */
            [name: string]: string;
          };
        };
      };
      /**
       * Most bytes of a response a step reads (the rest is dropped).
       * Default 1048576 (1 MiB); 1024 to 10485760.
       * @visibility backend
       */
      maxResponseBytes?: number;
      /**
       * Redirects a step's request follows, each to an allowed target.
       * Default 3; 0 to 3.
       * @visibility backend
       */
      maxRedirects?: number;
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
      /**
       * Demo only: a JSON file with `badVersions: [{ service, version }]`
       * (the demo generator's demo-summary.json), relative to the backend's
       * working directory. The demo smoke endpoint
       * (`/api/gitops/demo/apps/<service>/<environment>/healthz`) answers 500
       * for these versions.
       * @visibility backend
       */
      badVersionsFile?: string;
    };
  };
}
