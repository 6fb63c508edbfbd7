import { cloneElement, ReactElement } from 'react';
import type { MetricsDay } from '@gitops2/plugin-gitops-common';
import Typography from '@material-ui/core/Typography';
import { useTheme } from '@material-ui/core/styles';
import {
  Bar,
  BarChart,
  CartesianGrid,
  Legend,
  Line,
  LineChart,
  ResponsiveContainer,
  Tooltip,
  XAxis,
  YAxis,
} from 'recharts';

const HEIGHT = 220;

/**
 * Sizes a chart to its container (ResponsiveContainer); where the browser
 * has no ResizeObserver (old browsers, jsdom), a fixed width instead.
 */
const ChartFrame = ({ children }: { children: ReactElement }) =>
  typeof ResizeObserver === 'undefined' ? (
    cloneElement(children, { width: 480, height: HEIGHT })
  ) : (
    <ResponsiveContainer width="100%" height={HEIGHT}>
      {children}
    </ResponsiveContainer>
  );

/** Deployments per day (successful and failed changes stacked). */
export const DeploymentsChart = ({ daily }: { daily: MetricsDay[] }) => {
  const theme = useTheme();
  const data = daily.map(d => ({
    date: d.date.slice(5),
    deployments: d.deployments - d.failures,
    failures: d.failures,
  }));
  return (
    <div data-testid="gitops-metrics-deployments-chart">
      <Typography variant="subtitle2">Deployments per day</Typography>
      <ChartFrame>
        <BarChart data={data}>
          <CartesianGrid strokeDasharray="3 3" />
          <XAxis dataKey="date" />
          <YAxis allowDecimals={false} />
          <Tooltip />
          <Legend />
          <Bar
            dataKey="deployments"
            name="Deployments"
            stackId="d"
            fill={theme.palette.primary.main}
            isAnimationActive={false}
          />
          <Bar
            dataKey="failures"
            name="Failed changes"
            stackId="d"
            fill={theme.palette.error.main}
            isAnimationActive={false}
          />
        </BarChart>
      </ChartFrame>
    </div>
  );
};

/** Median lead time (first commit → environment) of each day, in hours. */
export const LeadTimeChart = ({ daily }: { daily: MetricsDay[] }) => {
  const theme = useTheme();
  const data = daily.map(d => ({
    date: d.date.slice(5),
    hours:
      d.leadTimeMedianSeconds === null
        ? null
        : Math.round((d.leadTimeMedianSeconds / 3600) * 10) / 10,
  }));
  return (
    <div data-testid="gitops-metrics-lead-time-chart">
      <Typography variant="subtitle2">
        Lead time, first commit → environment (median, hours)
      </Typography>
      <ChartFrame>
        <LineChart data={data}>
          <CartesianGrid strokeDasharray="3 3" />
          <XAxis dataKey="date" />
          <YAxis />
          <Tooltip />
          <Line
            type="monotone"
            dataKey="hours"
            name="Lead time (h)"
            stroke={theme.palette.secondary.main}
            connectNulls
            isAnimationActive={false}
          />
        </LineChart>
      </ChartFrame>
    </div>
  );
};
