// Moves focus to the first input a save was refused for, so keyboard users land on what to fix.
import type { FieldError } from '../api/types';

/** `order` maps field names to element ids in the order they appear on screen. */
export function focusFirstInvalid(fields: readonly FieldError[], order: ReadonlyArray<readonly [string, string]>) {
  const bad = new Set(fields.map((f) => f.field));
  const target = order.find(([field]) => bad.has(field));
  if (!target) return;
  // After the messages render, so the input's description already includes its message.
  setTimeout(() => document.getElementById(target[1])?.focus(), 0);
}
