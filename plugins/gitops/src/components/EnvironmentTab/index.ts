export { EnvironmentTab } from './EnvironmentTab';
export {
  ENVIRONMENT_ANNOTATIONS,
  isGitopsEnvironment,
} from './environmentAnnotations';
