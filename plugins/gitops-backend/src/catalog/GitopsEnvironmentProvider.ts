import type { LoggerService } from '@backstage/backend-plugin-api';
import type {
  EntityProvider,
  EntityProviderConnection,
} from '@backstage/plugin-catalog-node';
import { parse } from 'yaml';
import type { GitSource } from '../git/types';
import type { VersionLocatorRegistry } from '../locators/VersionLocatorRegistry';
import { parsePipeline } from '../pipeline/parsePipeline';
import type { ExternalPipeline } from '../pipeline/pipelineLocation';
import type { StepTypeCatalog } from '../pipeline/parseSteps';
import { environmentEntities } from './environmentEntities';

export interface ProvidedRepository {
  id: string;
  pipelineFile: string;
  source: GitSource;
  /** A pipeline defined outside the repository (read from there). */
  externalPipeline?: ExternalPipeline;
}

/**
 * Publishes every pipeline environment as a catalog Resource (type
 * `environment`), read from the pipeline file at the head of each GitOps
 * repository on each refresh (the catalog's own ingestion keeps them, a
 * full mutation replaces them). A repository whose pipeline cannot be read
 * keeps its previous entities: its refresh is skipped, not emptied.
 */
export class GitopsEnvironmentProvider implements EntityProvider {
  private connection?: EntityProviderConnection;
  private readonly last = new Map<
    string,
    ReturnType<typeof environmentEntities>
  >();

  constructor(
    private readonly options: {
      repositories: ProvidedRepository[];
      locators: VersionLocatorRegistry;
      stepTypes?: StepTypeCatalog;
      fallbackOwner: string;
      logger: LoggerService;
    },
  ) {}

  getProviderName(): string {
    return 'gitops-environments';
  }

  async connect(connection: EntityProviderConnection): Promise<void> {
    this.connection = connection;
  }

  async refresh(): Promise<void> {
    if (!this.connection) return;
    for (const repo of this.options.repositories) {
      try {
        const [text] = repo.externalPipeline
          ? [await repo.externalPipeline.read()]
          : await repo.source.readFiles([
              { sha: await repo.source.headCommit(), path: repo.pipelineFile },
            ]);
        if (typeof text !== 'string')
          throw new Error(`${repo.pipelineFile} cannot be read`);
        const pipeline = parsePipeline(
          text,
          repo.pipelineFile,
          this.options.locators,
          this.options.stepTypes,
        );
        if (!pipeline.definition)
          throw new Error(pipeline.fileError?.message ?? 'no pipeline');
        const owner = (parse(text) as any)?.metadata?.owner;
        this.last.set(
          repo.id,
          environmentEntities({
            repositoryId: repo.id,
            pipeline,
            owner: typeof owner === 'string' ? owner : undefined,
            fallbackOwner: this.options.fallbackOwner,
            locationKey: `gitops-environments:${repo.id}`,
          }),
        );
      } catch (e) {
        this.options.logger.warn(
          `gitops environments of ${repo.id} not refreshed: ${
            (e as Error).message
          }`,
        );
      }
    }
    await this.connection.applyMutation({
      type: 'full',
      entities: [...this.last.entries()].flatMap(([id, entities]) =>
        entities.map(entity => ({
          entity,
          locationKey: `gitops-environments:${id}`,
        })),
      ),
    });
  }
}
