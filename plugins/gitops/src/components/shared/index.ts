export * from './format';
export * from './ingestionErrors';
export * from './pipeline';
export { RelativeTime } from './RelativeTime';
export { CommitLink } from './CommitLink';
export {
  ChangeSetView,
  ChecksLine,
  CommitList,
  IssueChips,
  PullRequestLinks,
} from './ChangeSetView';
export { useRefreshableAsync } from './useRefreshableAsync';
export { RepositoryLocation } from './RepositoryLocation';
export { ChangeSummary, initialsOf } from './ChangeSummary';
export { TableHead } from './TableHead';
export { filled, readableOn, readableText } from './contrast';
export { adviceFor, clusterAdvice } from './advice';
