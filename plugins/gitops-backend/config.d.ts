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
    }>;
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
  };
}
