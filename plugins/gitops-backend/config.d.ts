import { HumanDuration, JsonObject } from '@backstage/types';

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
       * Exclusive with `pipeline` and `pipelineFrom`.
       * @visibility backend
       */
      pipelineFile?: string;
      /**
       * The pipeline itself (the document of docs/pipeline.md: apiVersion,
       * kind, metadata, spec), for teams that cannot add a file to the
       * GitOps repository. Checked at startup; the whole history is read
       * with it; the portal never edits it.
       * @visibility backend
       */
      pipeline?: JsonObject;
      /**
       * The pipeline file kept in another repository (read at the head of
       * its branch on each ingestion run, with the same providers and
       * credentials as a GitOps repository). The whole history is read with
       * it; the portal never edits it.
       * @visibility backend
       */
      pipelineFrom?: {
        /** @visibility backend */
        provider: 'local' | 'github';
        /** @visibility backend */
        url: string;
        /** Default `main`. @visibility backend */
        branch?: string;
        /** Path of the pipeline file in that repository. @visibility backend */
        path: string;
      };
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
      /**
       * Asks for a re-ingest: when this value (any label, e.g. a date) was
       * never applied to the repository, the next ingestion run reads the
       * whole history again, applying the pipeline to the commits before it
       * appeared, and replaces the repository's ledger at once when done
       * (docs/pipeline.md, "Adopting an existing repository"). Runs once per
       * value, across replicas.
       * @visibility backend
       */
      reingest?: string;
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
      /**
       * Backfill of GitHub source repositories: GraphQL history pages of the
       * default branch (100 commits with pull requests and CI, several
       * repositories per query) instead of requests per rollout, newest
       * rollouts first, resumable (docs/configuration.md "Correlation
       * backfill").
       */
      backfill?: {
        /**
         * Default true.
         * @visibility backend
         */
        enabled?: boolean;
        /**
         * Pending rollouts of GitHub source repositories from which a run
         * backfills (fewer are correlated per rollout). Default 50.
         * @visibility backend
         */
        minPending?: number;
        /**
         * Share of GitHub's hourly rate limit the backfill may spend, read from
         * the `x-ratelimit-*` headers: it stops while fewer than
         * `limit × (1 − share)` requests remain, and resumes after the reset.
         * Greater than 0, at most 1. Default 0.5.
         * @visibility backend
         */
        rateLimitShare?: number;
        /**
         * Repositories (of one owner) per GraphQL query, 1 to 10. Default 5.
         * @visibility backend
         */
        reposPerQuery?: number;
      };
    };
    /** Ingestion schedule. */
    ingestion?: {
      /**
       * How often each repository is ingested. Default 30 seconds.
       * @visibility backend
       */
      frequency?: HumanDuration;
      /**
       * How long the scheduler's claim on a repository's task lasts (its
       * task timeout). A run may go on past it: the repository stays held by
       * its run's lease (leaseSeconds). Also how long a manual refresh or a
       * push waits for another replica's run of the repository. Default 10
       * minutes.
       * @visibility backend
       */
      timeout?: HumanDuration;
      /**
       * Seconds the lease of an ingestion run on its repository lasts
       * without renewal (renewed every third of that while the run lasts):
       * no other replica starts a run of the repository meanwhile. A
       * replica that died mid-run holds its repository this long. Default
       * 30, between 2 and 3600.
       * @visibility backend
       */
      leaseSeconds?: number;
      /**
       * At most this many repositories ingested at once by one replica; a
       * scheduled run due beyond that is left to another replica (or to this
       * one's next tick), so several replicas share many repositories.
       * 0 (the default): no limit.
       * @visibility backend
       */
      maxConcurrentRuns?: number;
      /**
       * At most this many commits before the pipeline first appeared in a
       * repository are read with that pipeline (0 to 1,000,000). Default
       * 20,000.
       * @visibility backend
       */
      maxHistoryCommits?: number;
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
    /**
     * Argo CD and Flux notifications through the events backend
     * (docs/cd-events.md). A tool without its secret has no ingress: its
     * events are refused.
     */
    events?: {
      argocd?: {
        /**
         * Shared secret the Argo CD webhook service sends in the
         * `X-Gitops-Secret` header of `/api/events/http/gitops.argocd`; at
         * least 16 characters.
         * @visibility secret
         */
        secret?: string;
      };
      flux?: {
        /**
         * Key of Flux's `generic-hmac` provider: the body's HMAC-SHA256 in
         * `X-Signature: sha256=<hex>` on `/api/events/http/gitops.flux`; at
         * least 16 characters.
         * @visibility secret
         */
        secret?: string;
      };
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
      /**
       * Only `serviceAccount` (a bearer token) here; `aws` and
       * `googleServiceAccount` clusters are read from the Kubernetes plugin's
       * config (docs/clusters.md). @visibility backend
       */
      authProvider: 'serviceAccount';
      /** Token of a service account allowed to list and watch. @visibility secret */
      serviceAccountToken: string;
      /** Base64 PEM of the API server's CA. @visibility secret */
      caData?: string;
      /** Path of a PEM file with the API server's CA. @visibility backend */
      caFile?: string;
      /** Skip TLS verification (development only). @visibility backend */
      skipTLSVerify?: boolean;
      /**
       * Watch only these namespaces (one list + watch per kind and namespace)
       * instead of the whole cluster. @visibility backend
       */
      namespaces?: string[];
      /**
       * Label selector of every list and watch (pods and replica sets too),
       * e.g. `backstage.io/kubernetes-id`. @visibility backend
       */
      labelSelector?: string;
      /** Objects per list page (`limit`/`continue`), default 500. @visibility backend */
      listPageSize?: number;
      /**
       * The most objects kept for this cluster, all kinds together (default
       * 100000, about 50 MiB of summaries); beyond it the cluster is reported
       * unreachable with the reason. @visibility backend
       */
      maxObjects?: number;
    }>;
    /**
     * Also watch the Kubernetes plugin's clusters
     * (`kubernetes.clusterLocatorMethods` of `type: config` with
     * `authProvider` `serviceAccount`, `aws` or `googleServiceAccount`;
     * docs/clusters.md). Default true; a name in `gitops.clusters` wins.
     * @visibility backend
     */
    useKubernetesPluginClusters?: boolean;
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
    /**
     * Owner of the environment entities (catalog Resources of type
     * `environment`) whose pipeline file names none in `metadata.owner`.
     * Default `group:default/platform` (docs/environments.md).
     * @visibility backend
     */
    environmentOwner?: string;
  };
}
