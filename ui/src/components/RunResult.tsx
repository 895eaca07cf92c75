// What a query run shows under its editor: how many rows and how long, why it stopped if it
// did (each reason in its own words), and the rows in the virtualised grid.
//
// Test ids: `run-starting`, `run-count` (the row count text), `run-error` (data-code = sql,
// write_refused, timed_out, cancelled, …), `run-error-position`, `run-error-jump`,
// `pii-hidden-note` (personal data masked for the viewer), and the grid's own ids under
// `testId` (see DataGrid).
import {
  Button,
  Caption1,
  MessageBar,
  MessageBarActions,
  MessageBarBody,
  MessageBarTitle,
  Spinner,
  makeStyles,
  tokens,
} from '@fluentui/react-components';
import { useCallback } from 'react';
import type { RunError } from '../api/dataTypes';
import type { AppError } from '../api/types';
import { formatCount, formatDuration, rowsText } from '../lib/format';
import type { QueryRunState } from '../lib/useQueryRun';
import { DataGrid } from './DataGrid';
import { PiiHiddenNote } from './PiiHiddenNote';

const useStyles = makeStyles({
  root: { display: 'flex', flexDirection: 'column', gap: tokens.spacingVerticalS, minWidth: 0 },
  count: { color: tokens.colorNeutralForeground2, fontVariantNumeric: 'tabular-nums' },
  message: { whiteSpace: 'pre-wrap', overflowWrap: 'anywhere', fontFamily: tokens.fontFamilyMonospace, fontSize: tokens.fontSizeBase200 },
});

/** An error as a run can end with: a command's refusal or the run's own status. */
type Failure = (AppError | RunError) & { line?: number | null; column?: number | null };

const TITLES: Record<string, string> = {
  sql: 'The SQL has a mistake',
  write_refused: 'Queries can only read data',
  timed_out: 'The query ran out of time',
  cancelled: 'Query cancelled',
  not_found: 'This result is no longer kept',
};

const ADVICE: Record<string, string> = {
  write_refused: 'Ferry runs queries on a read-only connection, so no query can change your customer data. Use SELECT to read rows.',
  timed_out: 'Raise the time limit, or narrow the query (a WHERE, fewer joins), then run it again.',
  not_found: 'Run the query again to see its rows.',
};

/** Where the error is, when SQLite said: "Line 2, column 7". */
export function positionOf(f: Failure): { line: number; column: number } | null {
  return typeof f.line === 'number' ? { line: f.line, column: typeof f.column === 'number' ? f.column : 1 } : null;
}

export function RunFailure({ failure, rowsRead, onJump }: { failure: Failure; rowsRead: number; onJump?: (at: { line: number; column: number }) => void }) {
  const styles = useStyles();
  const at = positionOf(failure);
  const cancelled = failure.code === 'cancelled';
  return (
    <MessageBar intent={cancelled ? 'info' : 'error'} layout="multiline" data-testid="run-error" data-code={failure.code} role="alert">
      <MessageBarBody>
        <MessageBarTitle>{TITLES[failure.code] ?? 'The query failed'}</MessageBarTitle>
        {at && (
          <span data-testid="run-error-position">
            Line {at.line}, column {at.column}:{' '}
          </span>
        )}
        {cancelled ? (
          rowsRead > 0 ? `The ${rowsText(rowsRead)} read before it stopped are below.` : 'It stopped before any row was read.'
        ) : (
          <span className={styles.message}>{failure.message}</span>
        )}
        {ADVICE[failure.code] && <div>{ADVICE[failure.code]}</div>}
      </MessageBarBody>
      {at && onJump && (
        <MessageBarActions>
          <Button data-testid="run-error-jump" onClick={() => onJump(at)}>
            Show in the editor
          </Button>
        </MessageBarActions>
      )}
    </MessageBar>
  );
}

export interface RunResultProps {
  state: QueryRunState;
  /** The grid's test id and accessible name. */
  testId: string;
  label: string;
  onJump?: (at: { line: number; column: number }) => void;
  height?: string;
}

export function RunResult({ state, testId, label, onJump, height }: RunResultProps) {
  const styles = useStyles();
  const { run, starting, startError, cancelledBeforeStart } = state;
  const setVisible = useCallback((first: number, last: number) => run?.setVisible(first, last), [run]);

  if (starting) return <Spinner size="small" label="Starting the query…" labelPosition="after" data-testid="run-starting" />;
  if (startError) return <RunFailure failure={startError} rowsRead={0} onJump={onJump} />;
  if (cancelledBeforeStart) return <RunFailure failure={{ code: 'cancelled', message: '' }} rowsRead={0} />;
  if (!run) return null;

  const { status, columns } = run;
  const rows = status.rowsSoFar;
  const failure: Failure | null = run.failure ?? status.error ?? (status.state === 'cancelled' ? { code: 'cancelled', message: '' } : null);
  const count =
    status.state === 'running'
      ? rows === 0
        ? 'Running…'
        : `${formatCount(rows)} rows so far…`
      : status.state === 'done'
        ? `${rowsText(rows)} in ${formatDuration(status.elapsedMs)}`
        : status.state === 'cancelled'
          ? `Cancelled after ${rowsText(rows)}`
          : `Stopped after ${rowsText(rows)}`;

  return (
    <div className={styles.root}>
      {failure && <RunFailure failure={failure} rowsRead={rows} onJump={onJump} />}
      {run.piiHidden && <PiiHiddenNote />}
      <Caption1 className={styles.count} data-testid="run-count" data-state={status.state} aria-live="polite">
        {count}
      </Caption1>
      {columns && (columns.length > 0 || rows > 0) && (
        <DataGrid
          testId={testId}
          label={label}
          columns={columns}
          rowCount={rows}
          getRow={(i) => run.row(i)}
          onVisibleRange={setVisible}
          height={height}
          emptyText={status.state === 'running' ? 'Waiting for the first rows…' : 'No rows match.'}
        />
      )}
    </div>
  );
}
