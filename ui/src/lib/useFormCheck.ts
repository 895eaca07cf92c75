// One form behaviour for every dialog: the backend judges the form as it is typed; this hook
// decides WHEN each of its messages may be shown, so no form turns red before the user has done
// anything.
//
// The rules, the same in every form:
// - a field's message appears only once the field has been left holding a value (tabbing
//   through an empty form says nothing), or once a save was tried (then every message shows);
// - a message appears on the field being left, never on another one (a rule that joins two
//   fields may be declared `related`, so leaving either judges both);
// - a shown message follows what is typed and disappears as soon as the backend stops
//   reporting it; a new one waits for the next time the field is left.
// The messages themselves are the backend's (check_* commands); nothing is validated here.
import { keepPreviousData, useQuery, type QueryKey } from '@tanstack/react-query';
import { useCallback, useMemo, useState } from 'react';
import type { AppError, FieldError } from '../api/types';
import { useDebouncedValue } from './useDebouncedValue';

export type Messages = Partial<Record<string, string>>;

/** Several rules can fail on one field (e.g. a taken name); they read as one message. */
export function groupByField(fields: readonly FieldError[]): Messages {
  const out: Messages = {};
  for (const f of fields) out[f.field] = out[f.field] ? `${out[f.field]} ${f.message}` : f.message;
  return out;
}

/** Whether a form value counts as filled in: blank text and an unchosen select do not. */
export function hasValue(v: unknown): boolean {
  return typeof v === 'string' ? v.trim() !== '' : v !== null && v !== undefined;
}

export interface FormCheckOptions<V, R> {
  /** The form as it stands. Keep its identity while unchanged (state or useMemo). */
  value: V;
  enabled: boolean;
  queryKey: (settled: V) => QueryKey;
  check: (settled: V) => Promise<R>;
  /** The field messages in an answer of `check`. Keep it stable (module level). */
  fieldsOf: (answer: R) => readonly FieldError[];
  /** The form's inputs in screen order: backend field name and the id of its control. */
  inputs: ReadonlyArray<readonly [field: string, elementId: string]>;
  /** Whether `field` holds something now; only a field left filled is judged. */
  filled: (field: string) => boolean;
  /** Messages of a rule joining two fields: leaving the key judges the listed fields too. */
  related?: Partial<Record<string, readonly string[]>>;
}

export interface FormCheck<R> {
  /** The backend's latest answer (it may say more than messages, e.g. what a URL is). */
  answer: R | undefined;
  /** The message to show under each field, if any. */
  messages: Messages;
  /** Messages for fields this form has no input for; shown above the buttons so none is lost. */
  otherMessages: string[];
  /** Call when focus leaves a field (onBlur). */
  leave: (field: string) => void;
  /** Call after every change: a refused save's verdict gives way to the live check. */
  edited: () => void;
  /**
   * Call when a save (or anything that validates the form) failed. A validation refusal puts
   * its messages under their fields and focuses the first; returns false for any other error,
   * which the form shows itself.
   */
  refused: (error: AppError) => boolean;
}

interface Judged<R> {
  /** The answer `shown` was last brought up to date with. */
  answer: R | undefined;
  /** Fields whose message is shown (while the backend still reports one). */
  shown: ReadonlySet<string>;
  /** Fields left since, waiting for the answer about the form as it was left. */
  pending: ReadonlySet<string>;
}

const NONE: ReadonlySet<string> = new Set();

export function useFormCheck<V, R>(options: FormCheckOptions<V, R>): FormCheck<R> {
  const { value, enabled, queryKey, check, fieldsOf, inputs, filled, related } = options;
  const [settled, flush] = useDebouncedValue(value, 250);
  const query = useQuery({
    queryKey: queryKey(settled),
    queryFn: () => check(settled),
    enabled,
    placeholderData: keepPreviousData,
    // Each answer is for one moment of typing; none is worth keeping once the dialog moves on.
    gcTime: 0,
  });
  const answer = query.data;
  const live = useMemo(() => (answer === undefined ? undefined : fieldsOf(answer)), [answer, fieldsOf]);
  // True when the answer is about the form exactly as it stands now.
  const current = live !== undefined && settled === value && !query.isPlaceholderData && !query.isFetching;

  const [judged, setJudged] = useState<Judged<R>>({ answer: undefined, shown: NONE, pending: NONE });
  const [submitted, setSubmitted] = useState(false);
  const [rejected, setRejected] = useState<readonly FieldError[] | null>(null);

  // A new answer about the current form: fields left meanwhile are judged by it, and shown
  // messages it no longer reports are dropped. (State adjusted while rendering, as React
  // recommends for values derived from a change, so no effect paints a stale frame first.)
  if (current && answer !== judged.answer) {
    const bad = new Set(live.map((f) => f.field));
    const shown = new Set([...judged.shown, ...judged.pending].filter((f) => bad.has(f)));
    setJudged({ answer, shown, pending: NONE });
  }

  const leave = (field: string) => {
    flush();
    const fields = [field, ...(related?.[field] ?? [])].filter(filled);
    if (fields.length === 0) return;
    if (current) {
      const bad = new Set(live.map((f) => f.field));
      setJudged((j) => ({ ...j, shown: new Set([...j.shown, ...fields.filter((f) => bad.has(f))]) }));
    } else {
      setJudged((j) => ({ ...j, pending: new Set([...j.pending, ...fields]) }));
    }
  };

  const edited = useCallback(() => setRejected(null), []);

  const refused = (error: AppError): boolean => {
    if (error.code !== 'validation') return false;
    setSubmitted(true);
    const fields = error.fields ?? [];
    setRejected(fields);
    const bad = new Set(fields.map((f) => f.field));
    const first = inputs.find(([field]) => bad.has(field));
    // After the messages render, so the input's description already includes its message.
    if (first) setTimeout(() => document.getElementById(first[1])?.focus(), 0);
    return true;
  };

  const known = inputs.map(([field]) => field);
  const source = rejected ?? (live ?? []).filter((f) => submitted || judged.shown.has(f.field));
  const messages = groupByField(source.filter((f) => known.includes(f.field)));
  const otherMessages = rejected ? rejected.filter((f) => !known.includes(f.field)).map((f) => f.message) : [];
  return { answer, messages, otherMessages, leave, edited, refused };
}
