import type { Entity } from '@backstage/catalog-model';
import type {
  EntityRefParts,
  SourceError,
} from '@gitops2/plugin-gitops-common';

/** The first 7 characters of a commit sha, as Git shows it. */
export function shortSha(sha: string): string {
  return sha.slice(0, 7);
}

/** `file:line: message`, `file: message` or `message`. */
export function formatSourceError(error: SourceError): string {
  if (!error.file) {
    return error.message;
  }
  const location = error.line ? `${error.file}:${error.line}` : error.file;
  return `${location}: ${error.message}`;
}

/** `file:line` or `file`. */
export function formatFileLocation(file: string, line?: number): string {
  return line ? `${file}:${line}` : file;
}

const UNITS: Array<[Intl.RelativeTimeFormatUnit, number]> = [
  ['year', 365 * 24 * 3600],
  ['month', 30 * 24 * 3600],
  ['week', 7 * 24 * 3600],
  ['day', 24 * 3600],
  ['hour', 3600],
  ['minute', 60],
];

const relativeFormat = new Intl.RelativeTimeFormat('en', { numeric: 'auto' });

/** "3 hours ago", "yesterday", "just now"; the input unchanged if invalid. */
export function formatRelativeTime(iso: string, now: number = Date.now()) {
  const time = Date.parse(iso);
  if (Number.isNaN(time)) {
    return iso;
  }
  const seconds = Math.round((time - now) / 1000);
  const abs = Math.abs(seconds);
  if (abs < 45) {
    return 'just now';
  }
  for (const [unit, size] of UNITS) {
    if (abs >= size) {
      return relativeFormat.format(Math.round(seconds / size), unit);
    }
  }
  return relativeFormat.format(Math.round(seconds / 60), 'minute');
}

const absoluteFormat = new Intl.DateTimeFormat(undefined, {
  dateStyle: 'medium',
  timeStyle: 'long',
});

/** Date and time in the user's locale and time zone. */
export function formatAbsoluteTime(iso: string): string {
  const time = Date.parse(iso);
  return Number.isNaN(time) ? iso : absoluteFormat.format(time);
}

/** The parts of an entity reference the gitops API expects. */
export function entityRefPartsOf(entity: Entity): EntityRefParts {
  return {
    kind: entity.kind,
    namespace: entity.metadata.namespace ?? 'default',
    name: entity.metadata.name,
  };
}

/** A duration, coarse: "2 d 4 h", "3 h 12 min", "45 min", "< 1 min". */
export function formatDuration(seconds: number): string {
  const minutes = Math.floor(seconds / 60);
  if (minutes < 1) return '< 1 min';
  const days = Math.floor(minutes / (24 * 60));
  const hours = Math.floor((minutes % (24 * 60)) / 60);
  const mins = minutes % 60;
  if (days > 0) return hours > 0 ? `${days} d ${hours} h` : `${days} d`;
  if (hours > 0) return mins > 0 ? `${hours} h ${mins} min` : `${hours} h`;
  return `${mins} min`;
}
