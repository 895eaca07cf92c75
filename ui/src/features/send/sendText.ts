// The words for sends, shared by the send dialog, the History and the unfinished-jobs banner:
// counts, speeds, durations, states and what an operation does.
import type { BadgeProps } from '@fluentui/react-components';
import type { JobState, Operation, RowSource, RowState } from '../../api/types';

export { formatCount as count, rowsText as rows } from '../../lib/format';

/** A rough length of time, for what is left: "under a second", "42 s", "3 min 5 s", "2 h 4 min". */
export function roughDuration(ms: number): string {
  const s = Math.round(ms / 1000);
  if (s < 1) return 'under a second';
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return s % 60 === 0 ? `${m} min` : `${m} min ${s % 60} s`;
  const h = Math.floor(m / 60);
  return m % 60 === 0 ? `${h} h` : `${h} h ${m % 60} min`;
}

export const STATE_TEXT: Record<JobState, string> = {
  running: 'Sending',
  interrupted: 'Interrupted',
  cancelled: 'Cancelled',
  finished: 'Finished',
  stopped: 'Stopped',
};

export const STATE_COLOR: Record<JobState, NonNullable<BadgeProps['color']>> = {
  running: 'brand',
  interrupted: 'warning',
  cancelled: 'subtle',
  finished: 'success',
  stopped: 'danger',
};

/** Each row outcome as the History names it. */
export const OUTCOME_TEXT: Record<RowState, string> = {
  delivered: 'Delivered',
  rejected: 'Rejected',
  failed: 'Failed',
  invalid: 'Not sent',
  inFlight: 'Unconfirmed',
};

/** What sending does with each row, to finish "Ferry will read … and …". */
export function operationText(op: Operation, table: string): string {
  switch (op.kind) {
    case 'upsertByKey':
      return `create or update a ${table} record for each row, matched by the key ${op.key}`;
    case 'upsertById':
      return `create or update a ${table} record for each row, by the id in the column ${op.source}`;
    case 'create':
      return `create a new ${table} record for every row`;
    case 'updateByKey':
      return `update the ${table} record each row's key ${op.key} finds (rows without one are rejected)`;
    case 'deleteByKey':
      return `delete the ${table} record each row's key ${op.key} finds`;
  }
}

export function sourceText(source: RowSource, name: string): string {
  return `${source.kind === 'query' ? 'the saved query' : 'the segment'} “${name}”`;
}
