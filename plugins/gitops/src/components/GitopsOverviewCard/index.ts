export { GitopsOverviewCard } from './GitopsOverviewCard';
