import type {
  EnvironmentCreateRequest,
  ServiceAddRequest,
} from '@gitops2/plugin-gitops-common';

/**
 * The request a template's step sends, built from its form the same way
 * the step's `input:` does (examples/templates/*.yaml), so that the preview
 * shown in the form is the change the step writes. Empty values are left
 * out, as the template engine leaves out parameters nobody filled.
 */
type Data = Record<string, unknown>;

const str = (v: unknown): string | undefined =>
  typeof v === 'string' && v.trim() !== '' ? v : undefined;

function pruned<T extends Record<string, unknown>>(o: T): Partial<T> {
  return Object.fromEntries(
    Object.entries(o).filter(
      ([, v]) => v !== undefined && v !== null && v !== '',
    ),
  ) as Partial<T>;
}

/** new-environment.yaml / new-region.yaml → POST …/environments. */
export function environmentRequestOf(
  data: Data,
): Partial<EnvironmentCreateRequest> {
  const placement =
    data.placementKind === 'join-stage'
      ? { kind: 'join-stage' as const, stage: str(data.stage) ?? '' }
      : { kind: 'after-stage' as const, after: str(data.afterStage) ?? '' };
  const promotion = pruned({
    mode: str(data.mode),
    approvals: typeof data.approvals === 'number' ? data.approvals : undefined,
    approverGroup: str(data.approverGroup),
    soakTime: str(data.soakTime),
  });
  return pruned({
    name: str(data.name),
    placement,
    sourceEnvironment: str(data.sourceEnvironment),
    cluster: str(data.cluster),
    namespace: str(data.namespace),
    url: str(data.url),
    promotion: Object.keys(promotion).length ? promotion : undefined,
    reason: str(data.reason),
  });
}

/** onboard-service.yaml → POST …/services. */
export function serviceRequestOf(data: Data): Partial<ServiceAddRequest> {
  const options = pruned({
    image: str(data.image),
    path: str(data.valuesPath),
    container: str(data.container),
  });
  return pruned({
    service: str(data.service),
    path: str(data.path),
    locator: str(data.locatorType)
      ? { type: str(data.locatorType)!, options }
      : undefined,
    environments: Array.isArray(data.environments)
      ? (data.environments as string[])
      : undefined,
    reason: str(data.reason),
  });
}
