export { Replica } from './Replica';
export { Deployment } from './Deployment';
