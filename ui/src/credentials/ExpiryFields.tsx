// The "when does this secret expire?" choice: 1 year, 2 years or a date, as Azure offers it.
import { Input, Radio, RadioGroup, makeStyles, tokens } from '@fluentui/react-components';
import type { ExpiryInput } from '../api/types';
import { FormField } from '../components/FormField';

export type ExpiryChoice = '1y' | '2y' | 'date';

export interface ExpiryValue {
  choice: ExpiryChoice;
  /** YYYY-MM-DD, used when choice is 'date'. */
  date: string;
}

export function toExpiryInput(v: ExpiryValue): ExpiryInput {
  if (v.choice === 'date') return { kind: 'date', date: v.date };
  return { kind: 'years', years: v.choice === '2y' ? 2 : 1 };
}

const useStyles = makeStyles({
  date: { marginLeft: tokens.spacingHorizontalXXL, maxWidth: '220px' },
});

export interface ExpiryFieldsProps {
  value: ExpiryValue;
  onChange: (value: ExpiryValue) => void;
  onBlur: () => void;
  error?: string;
  /** Earliest selectable date (today), YYYY-MM-DD. */
  minDate: string;
  label?: string;
}

export function ExpiryFields({ value, onChange, onBlur, error, minDate, label = 'Secret expires' }: ExpiryFieldsProps) {
  const styles = useStyles();
  const onDate = value.choice === 'date';
  return (
    <>
      <FormField
        field="expiry"
        label={label}
        controlId="cred-expiry"
        // A date's problem is shown under the date box; a preset's under the choices.
        error={onDate ? undefined : error}
        hint="Pick what you chose in Azure, so Ferry can warn you before the secret stops working."
      >
        <RadioGroup
          id="cred-expiry"
          value={value.choice}
          layout="horizontal"
          onChange={(_, data) => onChange({ ...value, choice: data.value as ExpiryChoice })}
          onBlur={onBlur}
        >
          <Radio value="1y" label="In 1 year" data-testid="expiry-1y" />
          <Radio value="2y" label="In 2 years" data-testid="expiry-2y" />
          <Radio value="date" label="On a date" data-testid="expiry-date" />
        </RadioGroup>
      </FormField>
      {onDate && (
        <FormField
          className={styles.date}
          field="expiry"
          label="Expiry date"
          controlId="cred-expiry-date"
          error={error}
          hint="As shown under Certificates & secrets."
        >
          <Input
            id="cred-expiry-date"
            type="date"
            min={minDate}
            value={value.date}
            onChange={(_, data) => onChange({ ...value, date: data.value })}
            onBlur={onBlur}
          />
        </FormField>
      )}
    </>
  );
}
