/*
 * Hi!
 *
 * Note that this is an EXAMPLE Backstage backend. Please check the README.
 *
 * Happy hacking!
 */

import { createBackend } from '@backstage/backend-defaults';
import {
  gitopsCdEventsModule,
  gitopsEnvironmentsCatalogModule,
  gitopsScaffolderModule,
} from '@gitops2/plugin-gitops-backend';

const backend = createBackend();

backend.add(import('@backstage/plugin-app-backend'));
backend.add(import('@backstage/plugin-proxy-backend'));

// scaffolder plugin
backend.add(import('@backstage/plugin-scaffolder-backend'));
backend.add(import('@backstage/plugin-scaffolder-backend-module-github'));
backend.add(
  import('@backstage/plugin-scaffolder-backend-module-notifications'),
);

// techdocs plugin
backend.add(import('@backstage/plugin-techdocs-backend'));

// auth plugin
backend.add(import('@backstage/plugin-auth-backend'));
// See https://backstage.io/docs/backend-system/building-backends/migrating#the-auth-plugin
backend.add(import('@backstage/plugin-auth-backend-module-guest-provider'));
// Demo only: a second identity that approves production promotions.
backend.add(import('./modules/demoReleaseManagerAuth'));
// Demo only: a visitor who may not read the guestbook services.
backend.add(import('./modules/demoVisitorAuth'));
// See https://backstage.io/docs/auth/guest/provider

// catalog plugin
backend.add(import('@backstage/plugin-catalog-backend'));
backend.add(
  import('@backstage/plugin-catalog-backend-module-scaffolder-entity-model'),
);

// See https://backstage.io/docs/features/software-catalog/configuration#subscribing-to-catalog-errors
backend.add(import('@backstage/plugin-catalog-backend-module-logs'));

// permission plugin
backend.add(import('@backstage/plugin-permission-backend'));
// Demo policy: GitOps write actions are denied by default (see the module).
backend.add(import('./modules/permissionPolicy'));

// events bus, so catalog and signals can subscribe across plugins
backend.add(import('@backstage/plugin-events-backend'));
// GitHub webhooks (signature checked with events.modules.github.webhookSecret)
// → github.<event> topics, which the gitops plugin subscribes to
backend.add(import('@backstage/plugin-events-backend-module-github'));
// Argo CD and Flux notifications (gitops.events.*.secret) → gitops.argocd /
// gitops.flux topics, which the gitops plugin subscribes to (docs/cd-events.md)
backend.add(gitopsCdEventsModule);

// search plugin
backend.add(import('@backstage/plugin-search-backend'));

// search engine
// See https://backstage.io/docs/features/search/search-engines
backend.add(import('@backstage/plugin-search-backend-module-pg'));

// search collators
backend.add(import('@backstage/plugin-search-backend-module-catalog'));
backend.add(import('@backstage/plugin-search-backend-module-techdocs'));

// kubernetes plugin
backend.add(import('@backstage/plugin-kubernetes-backend'));

// user settings plugin
backend.add(import('@backstage/plugin-user-settings-backend'));

// notifications and signals plugins
backend.add(import('@backstage/plugin-notifications-backend'));
backend.add(import('@backstage/plugin-signals-backend'));

// GitOps 2.0: rollout ledger, promotion and rollback through Git
backend.add(import('@gitops2/plugin-gitops-backend'));
// gitops:promote and gitops:environment:create for software templates
backend.add(gitopsScaffolderModule);
// Pipeline environments as catalog Resources (type environment)
backend.add(gitopsEnvironmentsCatalogModule);

// mcp actions plugin
backend.add(import('@backstage/plugin-mcp-actions-backend'));

backend.start();
