export { FeatureTracker } from './FeatureTracker';
