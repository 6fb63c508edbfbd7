import path from 'node:path';
import {
  coreServices,
  createBackendPlugin,
} from '@backstage/backend-plugin-api';
import { CATALOG_FILTER_EXISTS } from '@backstage/catalog-client';
import { stringifyEntityRef } from '@backstage/catalog-model';
import { actionsRegistryServiceRef } from '@backstage/backend-plugin-api/alpha';
import { catalogServiceRef } from '@backstage/plugin-catalog-node';
import { registerGitopsActions } from './actions/registerGitopsActions';
import { EnvironmentPlanner } from './environments/EnvironmentPlanner';
import { EnvironmentService } from './environments/EnvironmentService';
import { RetirePlanner } from './environments/RetirePlanner';
import { EnvironmentReview } from './environments/EnvironmentReview';
import { ServicePlanner } from './environments/ServicePlanner';
import { openWorkOf } from './environments/openWork';
import { WriteAudit } from './promotion/audit/WriteAudit';
import {
  GITOPS_ANNOTATIONS,
  GITOPS_SIGNAL_HEARTBEAT_MS,
  gitopsPermissions,
  serviceNameOf,
} from '@gitops2/plugin-gitops-common';
import { readGitopsConfig } from './config';
import { Correlator } from './correlation/Correlator';
import { GitHubSourceRepository } from './correlation/GitHubSourceRepository';
import { RateBudget } from './correlation/backfill/RateBudget';
import { GitHubGitSource } from './git/GitHubGitSource';
import { ServiceSourceRow } from './correlation/CorrelationStore';
import {
  githubSourceId,
  SourceRepositoryResolver,
  sourceRepositoryIdOf,
} from './correlation/sourceRepositories';
import {
  externalPipelineOf,
  validateInlinePipelines,
} from './pipeline/pipelineLocation';
import { LedgerStore } from './database/LedgerStore';
import { MetricsService } from './metrics/MetricsService';
import { MetricsStore } from './metrics/MetricsStore';
import { createGitSource } from './git/createGitSource';
import { IngestionManager } from './ingestion/IngestionManager';
import { importPortalCommits } from './ingestion/importPortalCommits';
import { createDefaultLocatorRegistry } from './locators/VersionLocatorRegistry';
import { CorrelationService } from './service/CorrelationService';
import { GitopsService } from './service/GitopsService';
import { createRouter } from './service/router';
import { setupClusterObservation } from './cluster/setupClusterObservation';
import { demoClusterEnabled } from './cluster/clusterConfig';
import { mountDemoApps } from './cluster/demo/mountDemoApps';
import { LocalGitWriter } from './git/LocalGitWriter';
import { GitHubGitWriter } from './git/GitHubGitWriter';
import { LocalGitSource } from './git/LocalGitSource';
import { notificationService } from '@backstage/plugin-notifications-node';
import { eventsServiceRef } from '@backstage/plugin-events-node';
import { setupGithubEvents } from './events/setupGithubEvents';
import { GITOPS_INGESTED_TOPIC } from './catalog/refreshOnIngestion';
import { CdEventStatusStore } from './events/cd/CdEventStatusStore';
import { setupCdEvents } from './events/cd/setupCdEvents';
import { signalsServiceRef } from '@backstage/plugin-signals-node';
import { ChangeKeys } from './signals/ChangeKeys';
import { ChangeSignals } from './signals/ChangeSignals';
import { connectChangeFeeds } from './signals/connectChangeFeeds';
import { ActionChangeNotifier } from './promotion/notify/ActionChangeNotifier';
import { DegradedRolloutNotifier } from './promotion/notify/DegradedRolloutNotifier';
import { createPromotionStores } from './promotion/store';
import { createDefaultStepRegistry, createOutboundFetch } from './steps';
import { WritablePipeline } from './promotion/planning/WritablePipeline';
import { createStepRunner } from './steps/engine/createStepRunner';
import { createDefaultGateRegistry } from './promotion/gates/GateRegistry';
import { NotificationsNotifier } from './promotion/notify/NotificationsNotifier';
import { PromotionScheduler } from './promotion/PromotionScheduler';
import {
  PromotionRepository,
  PromotionService,
} from './promotion/PromotionService';

/**
 * The gitops backend plugin: wiring only (see src/service and src/ingestion).
 * @public
 */
export const gitopsPlugin = createBackendPlugin({
  pluginId: 'gitops',
  register(env) {
    env.registerInit({
      deps: {
        config: coreServices.rootConfig,
        logger: coreServices.logger,
        database: coreServices.database,
        scheduler: coreServices.scheduler,
        httpRouter: coreServices.httpRouter,
        httpAuth: coreServices.httpAuth,
        permissions: coreServices.permissions,
        permissionsRegistry: coreServices.permissionsRegistry,
        auditor: coreServices.auditor,
        auth: coreServices.auth,
        userInfo: coreServices.userInfo,
        actionsRegistry: actionsRegistryServiceRef,
        catalog: catalogServiceRef,
        lifecycle: coreServices.lifecycle,
        notifications: notificationService,
        events: eventsServiceRef,
        signals: signalsServiceRef,
      },
      async init(deps) {
        const gitopsConfig = readGitopsConfig(deps.config);
        deps.permissionsRegistry.addPermissions(gitopsPermissions);
        const store = await LedgerStore.create({ database: deps.database });
        const locators = createDefaultLocatorRegistry();
        const sources = new Map(
          gitopsConfig.repositories.map(r => [
            r.id,
            createGitSource(
              r,
              deps.config,
              deps.logger,
              gitopsConfig.limits.maxManifestBytes,
            ),
          ]),
        );
        const externalPipelines = new Map(
          gitopsConfig.repositories.map(r => [
            r.id,
            externalPipelineOf(r, from =>
              createGitSource(
                from,
                deps.config,
                deps.logger,
                gitopsConfig.limits.maxManifestBytes,
              ),
            ),
          ]),
        );
        const correlationStore = store.correlationStore();
        // `github.com/project-slug` sources are read through GitHub with the
        // integrations.github credentials of github.com.
        // Every GitHub source reports its rate-limit headers to the budget
        // the correlation backfill spends a share of.
        const rateBudget = new RateBudget(
          gitopsConfig.correlation.backfill.rateLimitShare,
        );
        const resolver = new SourceRepositoryResolver(
          gitopsConfig.sourceRoots,
          process.cwd(),
          (slug, host) =>
            new GitHubSourceRepository(
              githubSourceId(host, slug),
              GitHubGitSource.fromConfig(deps.config, {
                url: `https://${host}/${slug}`,
                branch: 'main',
                logger: deps.logger.child({ sourceRepository: slug }),
                onRateLimitHeaders: h => rateBudget.observe(h),
              }),
            ),
        );
        const correlator = new Correlator({
          store: correlationStore,
          config: gitopsConfig.correlation,
          resolver,
          backfill: { pages: store.backfillPageStore(), budget: rateBudget },
          logger: deps.logger.child({ task: 'gitops-correlate' }),
          loadServiceSources: async () => {
            // The service → source repository mapping, as the catalog says.
            const { items } = await deps.catalog.getEntities(
              {
                filter: {
                  [`metadata.annotations.${GITOPS_ANNOTATIONS.repository}`]:
                    CATALOG_FILTER_EXISTS,
                },
                fields: [
                  'kind',
                  'metadata.name',
                  'metadata.namespace',
                  'metadata.annotations',
                ],
              },
              { credentials: await deps.auth.getOwnServiceCredentials() },
            );
            const rows = new Map<string, ServiceSourceRow>();
            const sorted = items
              .map(e => ({ entity: e, ref: stringifyEntityRef(e) }))
              .sort((a, b) => a.ref.localeCompare(b.ref));
            for (const { entity, ref } of sorted) {
              const repositoryId =
                entity.metadata.annotations?.[GITOPS_ANNOTATIONS.repository];
              if (!repositoryId) continue;
              const service = serviceNameOf(entity);
              const key = `${repositoryId}\u0000${service}`;
              const source = sourceRepositoryIdOf(entity) ?? null;
              // Several entities for one service: the first one naming a source wins.
              if (
                rows.has(key) &&
                (rows.get(key)!.source_repository || !source)
              )
                continue;
              rows.set(key, {
                repository_id: repositoryId.slice(0, 63),
                service: service.slice(0, 63),
                source_repository: source,
                entity_ref: ref.slice(0, 255),
              });
            }
            return [...rows.values()];
          },
        });
        const stepTypes = createDefaultStepRegistry({
          prometheus: gitopsConfig.steps.prometheus,
          maxResponseBytes: gitopsConfig.steps.maxResponseBytes,
          portalUrl: deps.config.getOptionalString('app.baseUrl'),
        });
        // Pipelines in app-config are checked now; those of pipelineFrom
        // when read (an error there is a pipeline error, as for a file).
        validateInlinePipelines(gitopsConfig.repositories, locators, stepTypes);
        const outbound = createOutboundFetch(gitopsConfig.steps);
        const db = await deps.database.getClient();
        const stores = createPromotionStores(db);
        // Who hears of changes: notifications and live updates (signals).
        const portalUrl = deps.config.getOptionalString('app.baseUrl');
        const productionEnvironments = async (repositoryId: string) => {
          const stages = (await store.getStoredPipeline(repositoryId))
            ?.definition?.stages;
          return stages?.length ? stages[stages.length - 1].environments : [];
        };
        // Opaque keys: the broadcast names no repository and no service.
        const changeKeys = ChangeKeys.create({
          keySecret: deps.config.getOptionalString('gitops.signals.keySecret'),
          db,
        });
        const changeSignals = new ChangeSignals(
          deps.signals,
          changeKeys,
          deps.logger.child({ task: 'gitops-signals' }),
        );
        deps.lifecycle.addShutdownHook(() => changeSignals.stop());
        // Once per interval across the replicas (the events bus carries it
        // to every replica's sockets): pages poll while it does not arrive.
        await deps.scheduler.scheduleTask({
          id: 'gitops-signals-heartbeat',
          frequency: { milliseconds: GITOPS_SIGNAL_HEARTBEAT_MS },
          timeout: { seconds: 10 },
          scope: 'global',
          fn: () => changeSignals.heartbeat(),
        });
        const feeds = connectChangeFeeds({
          actions: stores.actions,
          holds: stores.holds,
          signals: changeSignals,
          actionNotifier: new ActionChangeNotifier({
            notifications: deps.notifications,
            getAction: id => stores.actions.get(id),
            productionEnvironments,
            logger: deps.logger.child({ task: 'gitops-notifications' }),
            portalUrl,
          }),
          degradedNotifier: new DegradedRolloutNotifier({
            notifications: deps.notifications,
            productionEnvironments,
            entityOf: async (repositoryId, service) =>
              (await correlationStore.listServiceSources()).find(
                r => r.repository_id === repositoryId && r.service === service,
              )?.entity_ref,
            logger: deps.logger.child({ task: 'gitops-notifications' }),
            portalUrl,
          }),
        });
        const ingestion = new IngestionManager({
          config: gitopsConfig,
          store,
          locators,
          stepTypes,
          logger: deps.logger,
          createSource: r => sources.get(r.id)!,
          externalPipeline: r => externalPipelines.get(r.id),
          // New rollouts are correlated at once; new commits refresh the
          // environment entities of the catalog (catalog/refreshOnIngestion.ts).
          afterIngest: async (r, repositoryId) => {
            if (r.commits === 0) return;
            await deps.events
              .publish({
                topic: GITOPS_INGESTED_TOPIC,
                eventPayload: { repositoryId, head: r.head },
              })
              .catch(() => undefined);
            // New commits change what tabs show even without a rollout (the
            // pipeline, its errors, the last ingestion): they refetch.
            feeds.rolloutsIngested(repositoryId);
            if (r.rolloutsInserted === 0) return;
            await correlator.run();
          },
        });
        const service = new GitopsService(
          store,
          gitopsConfig.repositories,
          sources,
        );
        const correlation = new CorrelationService({
          ledger: store,
          store: correlationStore,
          resolver,
          correlator,
          config: gitopsConfig.correlation,
          gitops: service,
        });
        // Portal commits known from a file (the demo's history) are trusted
        // before the first ingestion reads their trailers.
        for (const r of gitopsConfig.repositories) {
          if (!r.portalCommitsFile) continue;
          await importPortalCommits({
            store,
            repositoryId: r.id,
            file: path.resolve(process.cwd(), r.portalCommitsFile),
            logger: deps.logger,
          });
        }
        await ingestion.schedule(deps.scheduler);
        await correlator.schedule(deps.scheduler);

        // Promotion and rollback: local repositories are written with the git
        // CLI, GitHub repositories through Octokit (commits and pull requests).
        // Cluster observation (docs/clusters.md): leader-elected watching, store-only reads.
        const cdEventStatus = new CdEventStatusStore(db);
        const { live, observer } = await setupClusterObservation({
          ...deps,
          repositoryIds: gitopsConfig.repositories.map(r => r.id),
          onChange: feeds.onLiveChange,
          events: cdEventStatus,
        });
        service.setWatchedClusters(live.clusterNames());
        service.setEventEnvironments(() =>
          cdEventStatus.reportedEnvironments(),
        );
        // Argo CD / Flux notifications (docs/cd-events.md): a re-check of a
        // watched cluster, or the live status where none is watched.
        await setupCdEvents({
          events: deps.events,
          store: cdEventStatus,
          liveStore: observer.store,
          watchedClusters: live.clusterNames(),
          observer,
          onChange: feeds.onLiveChange,
          logger: deps.logger.child({ task: 'gitops-cd-events' }),
        });
        const writable = new Map<string, PromotionRepository>();
        for (const r of gitopsConfig.repositories) {
          const source = sources.get(r.id);
          const base = {
            id: r.id,
            branch: r.branch,
            pipelineFile: r.pipelineFile,
            externalPipeline: externalPipelines.get(r.id),
          };
          if (source instanceof LocalGitSource) {
            writable.set(r.id, {
              ...base,
              source,
              writer: new LocalGitWriter(source.directory),
            });
          } else if (source instanceof GitHubGitSource) {
            writable.set(r.id, {
              ...base,
              source,
              writer: new GitHubGitWriter(source),
            });
          }
        }
        // Steps planned by a write start at once (the runner is built below).
        const runner: { current?: ReturnType<typeof createStepRunner> } = {};
        const promotions = new PromotionService({
          ledger: store,
          stores,
          stepTypes,
          stepsPlanned: () => runner.current?.wake(),
          repositories: writable,
          locators,
          gates: createDefaultGateRegistry(
            deps.permissions,
            (repositoryId, name, environment) =>
              live.observedSource(repositoryId, name, environment),
          ),
          permissions: deps.permissions,
          userInfo: deps.userInfo,
          auditor: deps.auditor,
          logger: deps.logger.child({ task: 'gitops-promotions' }),
          leaseTtlMs: gitopsConfig.promotion.leaseSeconds * 1000,
          // A run under way may have read the head before the merge.
          afterMerge: async repositoryId => {
            await ingestion.ingestFromNow(repositoryId);
          },
          // Ingestion trusts the Gitops-* trailers of these commits only.
          recordPortalCommit: (repositoryId, sha, actionId) =>
            store.recordPortalCommit(repositoryId, sha, actionId),
          notifier: new NotificationsNotifier(
            deps.notifications,
            deps.logger.child({ task: 'gitops-notifications' }),
            deps.config.getOptionalString('app.baseUrl'),
          ),
        });
        const stepRunner = createStepRunner({
          store: stores.steps,
          stepTypes,
          promotions,
          environmentOf: async (action, environment) => {
            const repo = writable.get(action.repositoryId)!;
            const pipeline = await WritablePipeline.at(
              repo,
              await repo.source.headCommit(),
              locators,
              stepTypes,
            );
            return pipeline.environment(environment);
          },
          observed: (repositoryId, name, environment) =>
            live.observedSource(repositoryId, name, environment),
          checksOf: async (action, environment) => {
            const { rows } = await store.listRollouts({
              repositoryId: action.repositoryId,
              service: action.service,
              environment,
              limit: 5,
            });
            const rollout = rows.find(r => r.to_version === action.version);
            return rollout
              ? (await correlation.getChangeSet(String(rollout.id))).checks
              : undefined;
          },
          notifications: deps.notifications,
          fetch: (request, options) => outbound(request, options),
          secrets: gitopsConfig.steps.secrets,
          logger: deps.logger.child({ task: 'gitops-steps' }),
          owner: `${process.pid}:${Math.random().toString(36).slice(2, 10)}`,
          // A crashed replica's step is taken over like its action.
          leaseTtlMs: gitopsConfig.promotion.leaseSeconds * 1000,
        });
        runner.current = stepRunner;
        const metrics = new MetricsService(new MetricsStore(db), service);
        // New environments: the same repositories, writers and audit as promotions.
        const environments = new EnvironmentService({
          repositories: writable,
          planner: new EnvironmentPlanner(locators, stepTypes),
          review: new EnvironmentReview(
            locators,
            openWorkOf(stores),
            stepTypes,
            // A retirement's merge locks what it takes away, like a promotion.
            {
              locks: stores.locks.changes,
              ttlMs: gitopsConfig.promotion.leaseSeconds * 1000,
            },
          ),
          servicePlanner: new ServicePlanner(locators, stepTypes),
          retirePlanner: new RetirePlanner(
            locators,
            openWorkOf(stores),
            stepTypes,
          ),
          audit: new WriteAudit(
            stores.auditLog,
            deps.auditor,
            deps.logger.child({ task: 'gitops-environments' }),
          ),
          permissions: deps.permissions,
          knownClusters: () => live.clusterNames(),
          recordPortalCommit: (repositoryId, sha) =>
            store.recordPortalCommit(repositoryId, sha),
          recordPortalMergeIntent: (repositoryId, intent) =>
            store.recordPortalMergeIntent(repositoryId, intent),
          afterDirectWrite: async id => {
            await ingestion.ingestFromNow(id);
          },
        });
        registerGitopsActions({
          actionsRegistry: deps.actionsRegistry,
          catalog: deps.catalog,
          service,
          promotions,
          permissions: deps.permissions,
          correlation,
          live,
          metrics,
          actions: stores.actions,
          environments,
          appBaseUrl: deps.config.getOptionalString('app.baseUrl'),
        });
        await new PromotionScheduler({
          promotions,
          ledger: store,
          repositoryIds: [...writable.keys()],
          logger: deps.logger.child({ task: 'gitops-promotions' }),
          reconcileEvery: gitopsConfig.promotion.reconcileFrequency,
          steps: stepRunner,
        }).schedule(deps.scheduler);
        // GitHub webhooks (through the events backend): ingest, reconcile
        // and refresh CI results at once; the schedules stay the fallback.
        const webhooks = await setupGithubEvents({
          events: deps.events,
          db,
          scheduler: deps.scheduler,
          repositories: gitopsConfig.repositories,
          ingest: id => ingestion.ingestFromNow(id),
          reconcileAction: id => promotions.reconcileAction(id),
          refreshCommit: (source, sha) => correlator.refreshCommit(source, sha),
          sourcePushed: (source, push) => correlator.sourcePushed(source, push),
          logger: deps.logger.child({ task: 'gitops-webhooks' }),
        });
        deps.lifecycle.addShutdownHook(() => webhooks.pushes.stop());
        if (gitopsConfig.repositories.length === 0) {
          deps.logger.info(
            'no gitops.repositories configured; the GitOps tab will show nothing',
          );
        }
        if (demoClusterEnabled(deps.config)) {
          // Demo only: the smoke endpoint of the demo pipeline's http steps.
          await mountDemoApps({
            ...deps,
            live,
            repositoryIds: gitopsConfig.repositories.map(r => r.id),
          });
        }
        deps.httpRouter.use(
          await createRouter({
            ...deps,
            service,
            correlation,
            ingestion,
            promotions: { promotions, stores },
            live,
            metrics,
            changeKeys,
            environments,
          }),
        );
        deps.httpRouter.addAuthPolicy({
          path: '/health',
          allow: 'unauthenticated',
        });
      },
    });
  },
});
