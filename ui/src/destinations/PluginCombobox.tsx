// The plugin picker: a combobox that filters plugins by name, id or keyword as the user types.
import { Caption1, Combobox, Option, makeStyles, tokens } from '@fluentui/react-components';
import { useMemo, useRef } from 'react';
import type { Plugin } from '../api/types';

const useStyles = makeStyles({
  option: { display: 'flex', flexDirection: 'column' },
  muted: { color: tokens.colorNeutralForeground3 },
});

/** The same match the backend's list_plugins applies, so typing feels instant. */
export function matchesPlugin(p: Plugin, filter: string): boolean {
  const f = filter.trim().toLowerCase();
  return (
    f === '' ||
    p.name.toLowerCase().includes(f) ||
    p.id.includes(f) ||
    p.keywords.some((k) => k.toLowerCase().includes(f))
  );
}

export interface PluginComboboxProps {
  id: string;
  plugins: Plugin[];
  /** Selected plugin id, '' when none. */
  value: string;
  /** What is typed in the box. */
  text: string;
  onTextChange: (text: string) => void;
  onSelect: (plugin: Plugin | null) => void;
  onBlur: () => void;
  disabled?: boolean;
}

export function PluginCombobox({ id, plugins, value, text, onTextChange, onSelect, onBlur, disabled }: PluginComboboxProps) {
  const styles = useStyles();
  const selected = plugins.find((p) => p.id === value);
  // Once a plugin is chosen the box shows its full name; list everything again so it can be changed.
  const filter = selected && text === selected.name ? '' : text;
  const shown = useMemo(() => plugins.filter((p) => matchesPlugin(p, filter)), [plugins, filter]);
  // Set between a click's focus and its mouseup, which would otherwise undo the selection below.
  const focusedByPointer = useRef(false);

  return (
    <Combobox
      id={id}
      freeform
      disabled={disabled}
      placeholder="Type to filter, e.g. micro"
      value={text}
      selectedOptions={value ? [value] : []}
      onChange={(e) => {
        const next = e.target.value;
        onTextChange(next);
        if (selected && next !== selected.name) onSelect(null);
      }}
      onOptionSelect={(_, data) => {
        const picked = plugins.find((p) => p.id === data.optionValue) ?? null;
        onSelect(picked);
        // Typing over a chosen plugin deselects it too; the typed text then stays as it is.
        if (picked) onTextChange(picked.name);
      }}
      onBlur={onBlur}
      // Entering the box selects a chosen plugin's name, so typing starts a new filter rather than
      // appending to "Microsoft Dynamics 365" (which matches nothing).
      onFocus={(e) => e.currentTarget.select()}
      onMouseDown={(e) => {
        focusedByPointer.current = document.activeElement !== e.currentTarget;
      }}
      onMouseUp={(e) => {
        if (focusedByPointer.current) e.preventDefault();
        focusedByPointer.current = false;
      }}
      // The arrow opens the list for the mouse; from the keyboard the box itself does (Alt+Down or
      // typing), so the arrow is no second tab stop announced as a bare "Open".
      expandIcon={{ tabIndex: -1, 'aria-hidden': true, role: undefined }}
    >
      {shown.map((p) => (
        <Option key={p.id} value={p.id} text={p.name} data-testid={`plugin-option-${p.id}`}>
          <div className={styles.option}>
            <span>{p.name}</span>
            <Caption1 className={styles.muted}>{p.description}</Caption1>
          </div>
        </Option>
      ))}
    </Combobox>
  );
}
