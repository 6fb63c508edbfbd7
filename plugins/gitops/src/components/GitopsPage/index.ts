export { GitopsPage } from './GitopsPage';
export { RepositoriesContent } from './RepositoriesContent';
