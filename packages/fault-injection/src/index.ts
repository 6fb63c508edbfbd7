export { Replica } from './Replica';
export { Deployment } from './Deployment';
export { StepTarget } from './StepTarget';
