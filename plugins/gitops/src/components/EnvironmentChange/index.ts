export { EnvironmentChangeReview } from './EnvironmentChangeReview';
