// The typed confirmation before a template that deletes records is saved: it says how many rows
// the source has now (counted by the database), and the save button stays off until the
// template's name or DELETE is typed.
//
// Test ids: `delete-confirm-dialog`, `delete-confirm-count`, `delete-confirm-input`,
// `delete-confirm-save`, `delete-confirm-cancel`.
import {
  Button,
  Dialog,
  DialogActions,
  DialogBody,
  DialogContent,
  DialogSurface,
  DialogTitle,
  Field,
  Input,
  Spinner,
  Text,
  makeStyles,
  tokens,
} from '@fluentui/react-components';
import { useState } from 'react';
import { useSourceRowCount } from '../../api/templates';
import type { RowSource } from '../../api/types';

const useStyles = makeStyles({
  content: { display: 'flex', flexDirection: 'column', gap: tokens.spacingVerticalM },
});

export interface ConfirmDeleteOperationProps {
  open: boolean;
  /** The template's name as typed in the form. */
  templateName: string;
  destinationName: string;
  /** What the rows come from, e.g. “segment “Lapsed customers”” . */
  sourceText: string;
  /** The saved query or segment, to count its rows. */
  source: RowSource;
  pending: boolean;
  onConfirm: () => void;
  onCancel: () => void;
}

/** Whether what was typed confirms: the template's name (spaces around ignored) or DELETE. */
export function confirmsDelete(typed: string, name: string): boolean {
  const t = typed.trim();
  return t !== '' && (t === name.trim() || t === 'DELETE');
}

export function ConfirmDeleteOperation(props: ConfirmDeleteOperationProps) {
  const { open, templateName, destinationName, sourceText, source, pending, onConfirm, onCancel } = props;
  const styles = useStyles();
  const [typed, setTyped] = useState('');
  const count = useSourceRowCount(open ? source : null);
  const ok = confirmsDelete(typed, templateName);
  const name = templateName.trim();

  let howMany: string;
  if (count.data !== undefined) {
    const n = count.data;
    howMany =
      n === 1
        ? `The ${sourceText} has 1 row now: sending deletes the record its key finds in ${destinationName}.`
        : `The ${sourceText} has ${n.toLocaleString()} rows now: sending deletes up to ${n.toLocaleString()} records in ${destinationName}, one for each row whose key finds a record.`;
  } else if (count.isError) {
    howMany = `The ${sourceText} could not be counted (${count.error.message}). Every row it has when sent deletes the record its key finds in ${destinationName}.`;
  } else {
    howMany = `Counting the rows of the ${sourceText}…`;
  }

  return (
    <Dialog
      open={open}
      modalType="alert"
      onOpenChange={(_, data) => {
        if (!data.open && !pending) onCancel();
      }}
    >
      <DialogSurface data-testid="delete-confirm-dialog">
        <DialogBody>
          <DialogTitle>Save a template that deletes records?</DialogTitle>
          <DialogContent className={styles.content}>
            <Text data-testid="delete-confirm-count" aria-live="polite">
              {count.isPending && <Spinner size="extra-tiny" as="span" style={{ display: 'inline-flex', marginRight: 6 }} />}
              {howMany}
            </Text>
            <Text>Deleted records cannot be brought back from Ferry. Preview the template first to see which records its keys find.</Text>
            <Field
              label={{
                children: name ? `Type the template’s name, “${name}”, or DELETE to confirm` : 'Type DELETE to confirm',
                htmlFor: 'delete-confirm-input',
              }}
            >
              <Input
                id="delete-confirm-input"
                data-testid="delete-confirm-input"
                value={typed}
                autoComplete="off"
                onChange={(_, d) => setTyped(d.value)}
                onKeyDown={(e) => {
                  if (e.key === 'Enter') {
                    e.preventDefault();
                    if (ok && !pending) onConfirm();
                  }
                }}
              />
            </Field>
          </DialogContent>
          <DialogActions>
            <Button appearance="secondary" data-testid="delete-confirm-cancel" onClick={onCancel} disabled={pending}>
              Go back
            </Button>
            <Button
              appearance="primary"
              data-testid="delete-confirm-save"
              disabled={!ok || pending}
              onClick={onConfirm}
              icon={pending ? <Spinner size="tiny" /> : undefined}
            >
              {pending ? 'Saving…' : 'Save the delete template'}
            </Button>
          </DialogActions>
        </DialogBody>
      </DialogSurface>
    </Dialog>
  );
}
