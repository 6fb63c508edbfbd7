export { GitopsTab } from './GitopsTab';
