import Tooltip from '@material-ui/core/Tooltip';
import { formatAbsoluteTime, formatRelativeTime } from './format';

/** A relative time ("3 hours ago"), with the absolute time on hover. */
export const RelativeTime = (props: { value: string }) => {
  const { value } = props;
  return (
    <Tooltip title={formatAbsoluteTime(value)}>
      <time dateTime={value}>{formatRelativeTime(value)}</time>
    </Tooltip>
  );
};
