// A type-to-filter picker for the template dialog (tables, table columns): the box filters the
// list by every word the item is known by; picking an item shows its main text in the box.
import { Caption1, Combobox, Option, makeStyles, tokens } from '@fluentui/react-components';
import { useMemo, useRef, useState } from 'react';

const useStyles = makeStyles({
  option: { display: 'flex', flexDirection: 'column', minWidth: 0 },
  muted: { color: tokens.colorNeutralForeground3 },
});

export interface FilterItem {
  value: string;
  /** Shown in the box once chosen. */
  text: string;
  /** A second line in the list. */
  detail?: string;
  /** What typing matches besides `text`. */
  search?: string[];
}

export interface FilterComboboxProps {
  id: string;
  items: FilterItem[];
  /** The chosen value, '' when none. */
  value: string;
  onSelect: (value: string) => void;
  onBlur?: () => void;
  placeholder: string;
  disabled?: boolean;
  testId?: string;
  /** An option at the top meaning "nothing", e.g. "Don't send" (its value is ''). */
  noneText?: string;
  'aria-label'?: string;
  'aria-describedby'?: string;
  /** Shown instead of options when nothing matches. */
  emptyText?: string;
}

function matches(item: FilterItem, filter: string): boolean {
  const f = filter.trim().toLowerCase();
  if (f === '') return true;
  return [item.text, item.value, ...(item.search ?? [])].some((w) => w.toLowerCase().includes(f));
}

export function FilterCombobox({
  id,
  items,
  value,
  onSelect,
  onBlur,
  placeholder,
  disabled,
  testId,
  noneText,
  emptyText = 'Nothing matches what you typed.',
  ...aria
}: FilterComboboxProps) {
  const styles = useStyles();
  const selected = items.find((i) => i.value === value);
  const selectedText = selected?.text ?? value;
  // What is typed; null while the box just shows the chosen item.
  const [typed, setTyped] = useState<string | null>(null);
  const filter = typed ?? '';
  const shown = useMemo(() => items.filter((i) => matches(i, filter)), [items, filter]);
  const focusedByPointer = useRef(false);

  return (
    <Combobox
      id={id}
      freeform
      disabled={disabled}
      placeholder={placeholder}
      value={typed ?? selectedText}
      selectedOptions={[value]}
      data-testid={testId}
      aria-label={aria['aria-label']}
      aria-describedby={aria['aria-describedby']}
      onChange={(e) => setTyped(e.target.value)}
      onOptionSelect={(_, data) => {
        setTyped(null);
        if (data.optionValue !== undefined) onSelect(data.optionValue);
      }}
      onBlur={() => {
        setTyped(null);
        onBlur?.();
      }}
      onFocus={(e) => e.currentTarget.select()}
      onMouseDown={(e) => {
        focusedByPointer.current = document.activeElement !== e.currentTarget;
      }}
      onMouseUp={(e) => {
        if (focusedByPointer.current) e.preventDefault();
        focusedByPointer.current = false;
      }}
      expandIcon={{ tabIndex: -1, 'aria-hidden': true, role: undefined }}
    >
      {noneText !== undefined && (
        <Option value="" text={noneText}>
          {noneText}
        </Option>
      )}
      {shown.map((i) => (
        <Option key={i.value} value={i.value} text={i.text}>
          <div className={styles.option}>
            <span>{i.text}</span>
            {i.detail && <Caption1 className={styles.muted}>{i.detail}</Caption1>}
          </div>
        </Option>
      ))}
      {shown.length === 0 && (
        <Option value={`__none__${id}`} text="" disabled>
          {emptyText}
        </Option>
      )}
    </Combobox>
  );
}
