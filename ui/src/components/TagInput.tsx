// A list of values typed one by one: Enter or a comma adds what is typed as a tag, Backspace in
// an empty box takes the last one back, and each tag has its own remove button.
//
// Test ids: `<testId>` on the text box, `<testId>-tag` (data-value) on each tag.
import { Input, Tag, TagGroup, makeStyles, tokens } from '@fluentui/react-components';
import { useState } from 'react';

const useStyles = makeStyles({
  root: { display: 'flex', flexWrap: 'wrap', gap: tokens.spacingHorizontalXS, alignItems: 'center', minWidth: 0 },
  input: { minWidth: '140px', flexGrow: 1 },
});

export interface TagInputProps {
  values: string[];
  onChange: (values: string[]) => void;
  label: string;
  testId: string;
  placeholder?: string;
  invalid?: boolean;
}

export function TagInput({ values, onChange, label, testId, placeholder = 'Type a value, then Enter', invalid }: TagInputProps) {
  const styles = useStyles();
  const [typed, setTyped] = useState('');
  const add = (text: string) => {
    const parts = text.split(',').map((p) => p.trim()).filter(Boolean);
    const fresh = parts.filter((p) => !values.includes(p));
    if (fresh.length > 0) onChange([...values, ...fresh]);
    setTyped('');
  };
  return (
    <div className={styles.root}>
      {values.length > 0 && (
        <TagGroup
          aria-label={`${label}: chosen values`}
          onDismiss={(_, d) => onChange(values.filter((v) => v !== d.value))}
          size="small"
        >
          {values.map((v) => (
            <Tag key={v} value={v} dismissible dismissIcon={{ 'aria-label': `Remove ${v}` }} data-testid={`${testId}-tag`} data-value={v}>
              {v}
            </Tag>
          ))}
        </TagGroup>
      )}
      <Input
        className={styles.input}
        aria-label={label}
        aria-invalid={invalid || undefined}
        value={typed}
        placeholder={placeholder}
        onChange={(_, d) => {
          // A pasted or typed comma ends a value.
          if (d.value.includes(',')) add(d.value);
          else setTyped(d.value);
        }}
        onKeyDown={(e) => {
          if (e.key === 'Enter') {
            e.preventDefault();
            add(typed);
          } else if (e.key === 'Backspace' && typed === '' && values.length > 0) {
            onChange(values.slice(0, -1));
          }
        }}
        onBlur={() => typed.trim() && add(typed)}
        data-testid={testId}
      />
    </div>
  );
}
