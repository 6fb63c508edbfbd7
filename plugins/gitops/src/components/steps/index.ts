export { StepTimeline, stepTimelineLabel } from './StepTimeline';
