// A Fluent Field for the backend's inline messages: the error carries data-testid="error-<field>"
// and takes the hint's place, so each thing is said once under a field.
import { Field, type FieldProps } from '@fluentui/react-components';

export interface FormFieldProps extends Omit<FieldProps, 'validationMessage' | 'validationState' | 'label'> {
  /** The backend's field name, e.g. "dynamicsUrl"; it names the error's test id. */
  field: string;
  label: string;
  /** The control's own id (e.g. "dest-url"), so clicking the label focuses it. */
  controlId: string;
  error?: string;
}

export function FormField({ field, label, controlId, error, hint, ...rest }: FormFieldProps) {
  return (
    <Field
      {...rest}
      label={{ children: label, htmlFor: controlId }}
      // NOTE: a hint says what the field wants and the backend's error says what is wrong with
      // what was typed, in words that already include the hint; showing both says it twice.
      hint={error ? undefined : hint}
      validationState={error ? 'error' : 'none'}
      validationMessage={error ? <span data-testid={`error-${field}`}>{error}</span> : undefined}
    />
  );
}
