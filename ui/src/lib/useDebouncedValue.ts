// Holds back a changing value until it has been still for a moment, so backend checks don't run per keystroke.
import { useCallback, useEffect, useState } from 'react';

/**
 * Returns `value` once it has stopped changing for `delayMs`, plus `flush` to catch up at once
 * (on blur, so the message a person is about to see matches what they typed).
 * `value` must keep its identity between renders while unchanged (memoise objects).
 */
export function useDebouncedValue<T>(value: T, delayMs: number): [T, () => void] {
  const [settled, setSettled] = useState(value);
  useEffect(() => {
    const timer = setTimeout(() => setSettled(value), delayMs);
    return () => clearTimeout(timer);
  }, [value, delayMs]);
  const flush = useCallback(() => setSettled(value), [value]);
  return [settled, flush];
}
