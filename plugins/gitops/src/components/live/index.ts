export { HealthChip } from './HealthChip';
export { usePolledAsync } from './usePolledAsync';
export { formatBehind, connectionProblem } from './format';
export { ConnectionLine } from './ConnectionLine';
export { LiveStatusSection, formatPods } from './LiveStatusSection';
export { useServiceLive } from './useServiceLive';
export type { LiveView } from './useServiceLive';
export { EnvironmentCompare } from './EnvironmentCompare';
export { ClusterProblems, clusterProblems } from './ClusterProblems';
