// Runs SQL through the read-only door and keeps its result for the grid: one run at a time per
// screen. Starting another, or leaving the screen, closes the last one (query_close), so the
// backend can drop its rows.
import { useCallback, useEffect, useRef, useState, useSyncExternalStore } from 'react';
import { commands } from '../api/ipc';
import type { AppError } from '../api/types';
import { ResultRun } from './resultRun';

export interface QueryRunState {
  /** The current run, once query_start has answered. */
  run: ResultRun | null;
  /** query_start is on its way. */
  starting: boolean;
  /** query_start refused the SQL (a syntax error, a write, …). */
  startError: AppError | null;
  /** Cancel was pressed before the run had an id. */
  cancelledBeforeStart: boolean;
  start: (sql: string, timeLimitSecs: number) => void;
  /** Starts a run some other way (a segment's rows), given the command that returns its id. */
  startWith: (begin: () => Promise<string>) => void;
  cancel: () => void;
  /** Puts the result away. */
  clear: () => void;
}

const noop = () => () => {};
const zero = () => 0;

export function useQueryRun(): QueryRunState {
  const [run, setRun] = useState<ResultRun | null>(null);
  const [starting, setStarting] = useState(false);
  const [startError, setStartError] = useState<AppError | null>(null);
  const [cancelledBeforeStart, setCancelledBeforeStart] = useState(false);
  // Which start is the latest: an older answer that lands late is closed at once.
  const attempt = useRef(0);
  const cancelRequested = useRef(false);

  // Re-render whenever the run learns something (a page, a status).
  useSyncExternalStore(run?.subscribe ?? noop, run?.getVersion ?? zero);

  // A run replaced by another, or left behind by an unmounting screen, is closed.
  useEffect(() => {
    if (!run) return;
    return () => {
      run.close();
      commands.queryClose(run.runId).catch(() => {});
    };
  }, [run]);
  // An answer to query_start that arrives after the screen has gone is closed at once.
  useEffect(() => () => void attempt.current++, []);

  const startWith = useCallback((begin: () => Promise<string>) => {
    const mine = ++attempt.current;
    cancelRequested.current = false;
    setRun(null);
    setStartError(null);
    setCancelledBeforeStart(false);
    setStarting(true);
    begin().then(
      (runId) => {
        if (mine !== attempt.current) {
          commands.queryClose(runId).catch(() => {});
          return;
        }
        setStarting(false);
        if (cancelRequested.current) {
          setCancelledBeforeStart(true);
          commands.queryClose(runId).catch(() => {});
          return;
        }
        setRun(new ResultRun(runId, commands.queryPage));
      },
      (error: AppError) => {
        if (mine !== attempt.current) return;
        setStarting(false);
        setStartError(error);
      },
    );
  }, []);

  const start = useCallback(
    (sql: string, timeLimitSecs: number) => startWith(() => commands.queryStart(sql, timeLimitSecs)),
    [startWith],
  );

  const cancel = useCallback(() => {
    if (run?.running) {
      commands.queryCancel(run.runId).catch(() => {});
      run.poke();
    } else {
      cancelRequested.current = true;
    }
  }, [run]);

  const clear = useCallback(() => {
    attempt.current++;
    setRun(null);
    setStarting(false);
    setStartError(null);
    setCancelledBeforeStart(false);
  }, []);

  return { run, starting, startError, cancelledBeforeStart, start, startWith, cancel, clear };
}
