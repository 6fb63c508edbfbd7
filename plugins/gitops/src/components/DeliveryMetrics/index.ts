export { DeliveryMetrics } from './DeliveryMetrics';
export { OrgMetrics } from './OrgMetrics';
