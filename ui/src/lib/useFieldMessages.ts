// Decides which backend field messages a form shows: only for fields the user has left, or all after Save.
import { useCallback, useMemo, useState } from 'react';
import type { FieldError } from '../api/types';

export type Messages = Partial<Record<string, string>>;

/** Several rules can fail on one field (e.g. a taken name); they read as one message. */
export function groupByField(fields: readonly FieldError[]): Messages {
  const out: Messages = {};
  for (const f of fields) out[f.field] = out[f.field] ? `${out[f.field]} ${f.message}` : f.message;
  return out;
}

export interface FieldMessages {
  /** The message to show under `field`, if any. */
  messages: Messages;
  /** Messages for fields this form has no input for; shown above the buttons so none is lost. */
  otherMessages: string[];
  /** Marks a field as visited; its live-check message shows from now on. */
  touch: (field: string) => void;
  /** A save was tried: show every message; `rejected` holds the save's own verdict, if it had one. */
  saveRejected: (rejected: FieldError[] | null) => void;
  /** The user changed something after a failed save: the live check speaks again. */
  edited: () => void;
}

/**
 * `live` is the latest answer of the backend's check command for the form as it stands;
 * `known` lists the fields this form has inputs for.
 */
export function useFieldMessages(live: readonly FieldError[] | undefined, known: readonly string[]): FieldMessages {
  const [touched, setTouched] = useState<ReadonlySet<string>>(() => new Set());
  const [submitted, setSubmitted] = useState(false);
  const [rejected, setRejected] = useState<FieldError[] | null>(null);

  const touch = useCallback((field: string) => {
    setTouched((prev) => (prev.has(field) ? prev : new Set(prev).add(field)));
  }, []);
  const saveRejected = useCallback((fields: FieldError[] | null) => {
    setSubmitted(true);
    setRejected(fields);
  }, []);
  const edited = useCallback(() => setRejected(null), []);

  return useMemo(() => {
    const source = rejected ?? (live ?? []).filter((f) => submitted || touched.has(f.field));
    const relevant = source.filter((f) => known.includes(f.field));
    const otherMessages = rejected ? rejected.filter((f) => !known.includes(f.field)).map((f) => f.message) : [];
    return { messages: groupByField(relevant), otherMessages, touch, saveRejected, edited };
  }, [rejected, live, submitted, touched, known, touch, saveRejected, edited]);
}
