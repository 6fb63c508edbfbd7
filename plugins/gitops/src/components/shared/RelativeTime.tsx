import { formatAbsoluteTime, formatRelativeTime } from './format';

/** A relative time ("3 hours ago"), with the absolute time on hover. */
export const RelativeTime = (props: { value: string }) => {
  const { value } = props;
  return (
    <time dateTime={value} title={formatAbsoluteTime(value)}>
      {formatRelativeTime(value)}
    </time>
  );
};
