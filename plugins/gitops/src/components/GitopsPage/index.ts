export { GitopsPage } from './GitopsPage';
export { OverviewContent } from './OverviewContent';
export { RepositoriesContent } from './RepositoriesContent';
