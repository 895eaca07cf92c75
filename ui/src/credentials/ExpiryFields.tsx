// The "when does this secret expire?" choice: 1 year, 2 years, never, or a date typed as the hint says
// (YYYY-MM-DD, or the locale's own form) or picked from a calendar.
import { Radio, RadioGroup, makeStyles, tokens } from '@fluentui/react-components';
import { DatePicker, type DatePickerProps } from '@fluentui/react-datepicker-compat';
import { useMemo, useRef, useState } from 'react';
import type { ExpiryInput, ExpiryStatus } from '../api/types';
import { FormField } from '../components/FormField';
import { isoToLocalDate, localDateToIso, parseDateText } from '../lib/dateInput';

export type ExpiryChoice = '1y' | '2y' | 'never' | 'date';

export interface ExpiryValue {
  choice: ExpiryChoice;
  /** Used when choice is 'date': YYYY-MM-DD once readable, else the text as typed (the backend says what is wrong). */
  date: string;
}

export function toExpiryInput(v: ExpiryValue): ExpiryInput {
  if (v.choice === 'date') return { kind: 'date', date: v.date };
  if (v.choice === 'never') return { kind: 'never' };
  return { kind: 'years', years: v.choice === '2y' ? 2 : 1 };
}

/** The form value that keeps a recorded expiry as it is: its date, or never. */
export function expiryValueOf(expiry: Pick<ExpiryStatus, 'expiresOn'>): ExpiryValue {
  return expiry.expiresOn === null ? { choice: 'never', date: '' } : { choice: 'date', date: expiry.expiresOn };
}

const useStyles = makeStyles({
  // Indented under "On a date"; the hint and messages use the dialog's width, the box only what a date needs.
  date: { marginLeft: tokens.spacingHorizontalXXL },
  picker: { width: '220px', maxWidth: '100%' },
});

const DATE_HINT = 'Type the date Azure shows under Certificates & secrets as YYYY-MM-DD, or pick it from the calendar.';
const CHOICE_HINT = 'Pick what you chose in Azure, so Ferry can warn you before the secret stops working.';
const NEVER_HINT =
  'For a secret made without an end date (through Microsoft Graph or PowerShell). Ferry will not remind you about it.';

// Module-level so their identity never changes: the picker re-formats its text whenever they do.
const parseTyped = (text: string): Date | null => {
  const iso = parseDateText(text);
  return iso ? isoToLocalDate(iso) : null;
};
const formatPicked = (d?: Date): string => (d ? localDateToIso(d) : '');

/** The locale's first day of the week, where the browser knows it (Sunday otherwise). */
function firstDayOfWeek(): DatePickerProps['firstDayOfWeek'] {
  try {
    const loc = new Intl.Locale(navigator.language) as Intl.Locale & {
      getWeekInfo?: () => { firstDay: number };
      weekInfo?: { firstDay: number };
    };
    const first = loc.getWeekInfo?.().firstDay ?? loc.weekInfo?.firstDay;
    // Intl counts Monday as 1 and Sunday as 7; the calendar counts Sunday as 0.
    return first === undefined ? 0 : first % 7;
  } catch {
    return 0;
  }
}
const FIRST_DAY = firstDayOfWeek();

interface ExpiryDateProps {
  value: ExpiryValue;
  onChange: (value: ExpiryValue) => void;
  onBlur: () => void;
  error?: string;
  minDate: string;
}

/**
 * One box for the date: typed text is read on leaving it (or Enter), the calendar button picks instead.
 * The form holds ISO as soon as the text is readable, so the check that runs on leaving sees the real value.
 */
function ExpiryDate({ value, onChange, onBlur, error, minDate }: ExpiryDateProps) {
  const styles = useStyles();
  // What the picker shows once committed; kept apart from the form so typing is never re-formatted mid-word.
  const [picked, setPicked] = useState<Date | null>(() => isoToLocalDate(value.date));
  const typed = useRef(value.date);
  const today = useMemo(() => isoToLocalDate(minDate) ?? undefined, [minDate]);

  return (
    <FormField
      className={styles.date}
      field="expiry"
      label="Expiry date"
      controlId="cred-expiry-date"
      error={error}
      // The message under a refused date says the format itself; the hint would only repeat it.
      hint={error ? undefined : DATE_HINT}
    >
      <DatePicker
        id="cred-expiry-date"
        className={styles.picker}
        data-testid="expiry-date-input"
        allowTextInput
        // Clicking into the box is for typing; the calendar opens from its button, Alt+Down or Enter.
        openOnClick={false}
        disableAutoFocus
        value={picked}
        formatDate={formatPicked}
        parseDateFromString={parseTyped}
        today={today}
        initialPickerDate={today}
        firstDayOfWeek={FIRST_DAY}
        // Past days are greyed in the calendar only: a typed past date still reaches the backend, which says why.
        calendar={{ minDate: today }}
        onChange={(_, d) => {
          typed.current = d.value;
          onChange({ ...value, date: parseDateText(d.value) ?? d.value });
        }}
        onSelectDate={(d) => {
          setPicked(d ?? null);
          onChange({ ...value, date: d ? localDateToIso(d) : '' });
        }}
        onValidationResult={({ error: problem }) => {
          // The picker puts the last good date back in the box; the form keeps what was typed so the
          // backend's message can name it.
          if (problem === 'invalid-input') onChange({ ...value, date: typed.current });
        }}
        onBlur={onBlur}
      />
    </FormField>
  );
}

export interface ExpiryFieldsProps {
  value: ExpiryValue;
  onChange: (value: ExpiryValue) => void;
  onBlur: () => void;
  error?: string;
  /** Today (the backend's), YYYY-MM-DD: the calendar starts there and greys earlier days. */
  minDate: string;
  label?: string;
}

export function ExpiryFields({ value, onChange, onBlur, error, minDate, label = 'Secret expires' }: ExpiryFieldsProps) {
  const onDate = value.choice === 'date';
  return (
    <>
      <FormField
        field="expiry"
        label={label}
        controlId="cred-expiry"
        // A date's problem is shown under the date box; a preset's under the choices.
        error={onDate ? undefined : error}
        hint={value.choice === 'never' ? NEVER_HINT : CHOICE_HINT}
      >
        <RadioGroup
          id="cred-expiry"
          value={value.choice}
          layout="horizontal"
          onChange={(_, data) => onChange({ ...value, choice: data.value as ExpiryChoice })}
          // Moving on from "On a date" leads into the empty date box: judge the date when that box is left.
          onBlur={onDate ? undefined : onBlur}
        >
          <Radio value="1y" label="In 1 year" data-testid="expiry-1y" />
          <Radio value="2y" label="In 2 years" data-testid="expiry-2y" />
          <Radio value="never" label="Never" data-testid="expiry-never" />
          <Radio value="date" label="On a date" data-testid="expiry-date" />
        </RadioGroup>
      </FormField>
      {onDate && <ExpiryDate value={value} onChange={onChange} onBlur={onBlur} error={error} minDate={minDate} />}
    </>
  );
}
