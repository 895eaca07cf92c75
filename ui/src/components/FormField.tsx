// A Fluent Field whose error message carries data-testid="error-<field>", for the backend's inline messages.
import { Field, type FieldProps } from '@fluentui/react-components';

export interface FormFieldProps extends Omit<FieldProps, 'validationMessage' | 'validationState' | 'label'> {
  /** The backend's field name, e.g. "dynamicsUrl"; it names the error's test id. */
  field: string;
  label: string;
  /** The control's own id (e.g. "dest-url"), so clicking the label focuses it. */
  controlId: string;
  error?: string;
}

export function FormField({ field, label, controlId, error, ...rest }: FormFieldProps) {
  return (
    <Field
      {...rest}
      label={{ children: label, htmlFor: controlId }}
      validationState={error ? 'error' : 'none'}
      validationMessage={error ? <span data-testid={`error-${field}`}>{error}</span> : undefined}
    />
  );
}
