import type { Knex } from 'knex';
import { fixtures } from '@gitops2/kube-api-double';

export const HEAD = fixtures.SAMPLE_REVISIONS.checkout;

/** A pipeline with dev on cluster c1 and prod on cluster c2, both namespace `shop`. */
export const PIPELINE = {
  definition: {
    name: 'shop',
    stages: [
      { name: 'dev', environments: ['dev'] },
      { name: 'prod', environments: ['prod'] },
    ],
    environments: [
      {
        name: 'dev',
        stage: 'dev',
        stageIndex: 0,
        cluster: 'c1',
        namespace: 'shop',
        url: 'https://dev.shop.example.com',
      },
      {
        name: 'prod',
        stage: 'prod',
        stageIndex: 1,
        cluster: 'c2',
        namespace: 'shop',
      },
    ],
  },
  services: {
    checkout: {},
    payments: {},
  },
  environmentErrors: {},
  fileError: null,
};

let seq = 0;

export async function seedLedger(knex: Knex) {
  await knex('gitops_repositories').insert({
    id: 'demo',
    last_commit_sha: HEAD,
    pipeline: JSON.stringify(PIPELINE),
    commits_ingested: 3,
  });
  for (const env of ['dev', 'prod']) {
    await setDesired(knex, 'checkout', env, '1.4.2');
    await setDesired(knex, 'payments', env, '2.0.0');
  }
  await addRollout(knex, 'checkout', 'dev', '1.4.1', '1.4.2');
  await addRollout(knex, 'checkout', 'prod', '1.4.1', '1.4.2');
}

export async function setDesired(
  knex: Knex,
  service: string,
  environment: string,
  version: string,
) {
  await knex('gitops_desired_states')
    .insert({
      repository_id: 'demo',
      service,
      environment,
      version,
      file: `apps/${service}/${environment}/kustomization.yaml`,
    })
    .onConflict(['repository_id', 'service', 'environment'])
    .merge();
}

export async function addRollout(
  knex: Knex,
  service: string,
  environment: string,
  from: string | null,
  to: string,
) {
  seq++;
  await knex('gitops_rollouts').insert({
    repository_id: 'demo',
    service,
    environment,
    from_version: from,
    to_version: to,
    kind: 'promotion',
    commit_sha: `${String(seq).padStart(4, '0')}${'a'.repeat(36)}`,
    author_name: 'CI',
    subject: `${service} ${to} to ${environment}`,
    initiator: 'git',
    file: `apps/${service}/${environment}/kustomization.yaml`,
    desired_at: new Date(Date.UTC(2026, 10, 20, 9, seq)),
  });
}
