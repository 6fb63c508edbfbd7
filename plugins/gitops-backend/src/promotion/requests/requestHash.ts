import { createHash } from 'node:crypto';
import type {
  PromotionRequest,
  RollbackRequest,
} from '@gitops2/plugin-gitops-common';

/** A promotion or rollback as asked for, before planning. */
export type ActionRequest =
  | {
      kind: 'promotion';
      repositoryId: string;
      service: string;
      entityRef?: string;
      body: PromotionRequest;
    }
  | {
      kind: 'rollback';
      repositoryId: string;
      service: string;
      entityRef?: string;
      body: RollbackRequest;
    };

function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical);
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.keys(value as object)
        .sort()
        .filter(k => (value as any)[k] !== undefined)
        .map(k => [k, canonical((value as any)[k])]),
    );
  }
  return value;
}

/**
 * The hash an idempotency key is bound to: the whole request as asked
 * (kind, service, the catalog entity it names, and every field of the body: reason, emergency, version
 * or its absence), not the plan, which changes once the first request wrote.
 */
export function requestHashOf(request: ActionRequest): string {
  const body: Record<string, unknown> = { ...request.body };
  if (Array.isArray(body.environments))
    body.environments = [...new Set(body.environments as string[])].sort();
  return createHash('sha256')
    .update(
      JSON.stringify(
        canonical({
          kind: request.kind,
          repositoryId: request.repositoryId,
          service: request.service,
          entityRef: request.entityRef,
          body,
        }),
      ),
    )
    .digest('hex');
}
