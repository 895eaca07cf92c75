// Adds the records a segment's send delivered to a Dynamics marketing list: a static list that
// already holds that kind of record, or a new one named here. Dynamics is asked for its lists
// when the dialog opens; adding can take a few seconds for a big send, shown as a progress bar.
//
// Test ids for end-to-end tests:
//   add-to-list-dialog (the surface), add-to-list-mode (the radio group: existing | new),
//   add-to-list-existing (the list picker), add-to-list-lists-loading, add-to-list-lists-error,
//   add-to-list-no-lists, add-to-list-name, add-to-list-description, error-list, error-name,
//   error-description, add-to-list-error, add-to-list-progress, add-to-list-submit,
//   add-to-list-cancel, add-to-list-done (the result, with data-added)
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
  MessageBar,
  MessageBarBody,
  MessageBarTitle,
  ProgressBar,
  Radio,
  RadioGroup,
  Select,
  Spinner,
  Text,
  makeStyles,
  tokens,
} from '@fluentui/react-components';
import { useState, type FormEvent } from 'react';
import { useAddToList, useMarketingLists, type AddedToList, type JobView } from '../../api/campaigns';
import type { AppError } from '../../api/types';
import { FormField } from '../../components/FormField';
import { formatCount, formatDateTime } from '../../lib/format';

type Mode = 'existing' | 'new';

const useStyles = makeStyles({
  form: { display: 'flex', flexDirection: 'column', gap: tokens.spacingVerticalM },
  muted: { color: tokens.colorNeutralForeground3 },
});

/** "contact" → "contacts", for the kinds of record a list can hold. */
export function recordsWord(table: string, n: number): string {
  return n === 1 ? table : `${table}s`;
}

export interface AddToListDialogProps {
  /** The send whose delivered records to add; the dialog is open while it is set. */
  job: JobView | null;
  onClose: () => void;
}

export function AddToListDialog({ job, onClose }: AddToListDialogProps) {
  return (
    <Dialog
      open={!!job}
      onOpenChange={(_, d) => {
        if (!d.open) onClose();
      }}
    >
      <DialogSurface data-testid="add-to-list-dialog" aria-describedby="add-to-list-lead">
        {/* NOTE: keyed by job, so each send starts with an empty form and no old result. */}
        {job && <AddToListBody key={job.id} job={job} onClose={onClose} />}
      </DialogSurface>
    </Dialog>
  );
}

function AddToListBody({ job, onClose }: { job: JobView; onClose: () => void }) {
  const styles = useStyles();
  const lists = useMarketingLists(job.destination.id, job.table, true);
  const add = useAddToList();
  const [chosen, setMode] = useState<Mode>('existing');
  const [listId, setListId] = useState('');
  const [name, setName] = useState('');
  const [description, setDescription] = useState('');
  const [errors, setErrors] = useState<Record<string, string | undefined>>({});
  const [failure, setFailure] = useState<AppError | null>(null);
  const [done, setDone] = useState<AddedToList | null>(null);
  const delivered = job.counts.delivered;
  const word = recordsWord(job.table, delivered);
  // With no list to pick from, the only choice is a new one.
  const mode: Mode = lists.data?.length === 0 ? 'new' : chosen;

  const submit = (e: FormEvent) => {
    e.preventDefault();
    // NOTE: React passes events up through portals, so without this the segment form the
    // dialog is opened from would be saved too.
    e.stopPropagation();
    if (add.isPending || done) return;
    setFailure(null);
    const wrong: Record<string, string> = {};
    if (mode === 'existing' && !listId) wrong.list = 'Choose the list to add to.';
    if (mode === 'new' && !name.trim()) wrong.name = 'Enter a name for the new list.';
    setErrors(wrong);
    if (Object.keys(wrong).length > 0) {
      document.getElementById(mode === 'new' ? 'add-to-list-name' : 'add-to-list-existing')?.focus();
      return;
    }
    const target = mode === 'existing' ? { kind: 'existing' as const, list: listId } : { kind: 'new' as const, name: name.trim(), description };
    add.mutate(
      { job: job.id, target },
      {
        onSuccess: setDone,
        onError: (err) => {
          const fields = (err.code === 'validation' ? err.fields ?? [] : []).filter((f) => ['list', 'name', 'description'].includes(f.field));
          if (fields.length === 0) return setFailure(err);
          setErrors(Object.fromEntries(fields.map((f) => [f.field, f.message])));
        },
      },
    );
  };

  if (done) {
    return (
      <DialogBody>
        <DialogTitle>Added to “{done.list.name}”</DialogTitle>
        <DialogContent>
          <MessageBar intent="success" layout="multiline" data-testid="add-to-list-done" data-added={done.added}>
            <MessageBarBody>
              {`Added ${formatCount(done.added)} ${recordsWord(done.memberType, done.added)} to ${done.createdList ? 'the new' : 'the'} list “${done.list.name}”.`}
              {done.memberCount !== null && ` It now has ${formatCount(done.memberCount)} members.`}
              {done.withoutId > 0 &&
                ` ${formatCount(done.withoutId)} delivered rows could not be added: Dynamics did not say which records they became.`}
            </MessageBarBody>
          </MessageBar>
        </DialogContent>
        <DialogActions>
          <Button appearance="primary" onClick={onClose} data-testid="add-to-list-close">
            Close
          </Button>
        </DialogActions>
      </DialogBody>
    );
  }

  return (
    <form onSubmit={submit} noValidate aria-label="Add to a marketing list">
      <DialogBody>
        <DialogTitle>Add to a marketing list</DialogTitle>
        <DialogContent className={styles.form}>
          <Text id="add-to-list-lead">
            {`The ${formatCount(delivered)} ${word} that “${job.template.name}” delivered to ${job.destination.name} on ${formatDateTime(job.createdAt)} join a static marketing list there; any already on it are not added twice.`}
          </Text>
          <Field label="Add them to">
            <RadioGroup
              value={mode}
              onChange={(_, d) => {
                setMode(d.value as Mode);
                setErrors({});
              }}
              layout="horizontal"
              data-testid="add-to-list-mode"
            >
              <Radio value="existing" label="A list in Dynamics" disabled={lists.data?.length === 0} />
              <Radio value="new" label="A new list" />
            </RadioGroup>
          </Field>

          {mode === 'existing' && (
            <>
              {lists.isPending && <Spinner size="tiny" label="Asking Dynamics for its lists…" data-testid="add-to-list-lists-loading" />}
              {lists.isError && (
                <MessageBar intent="error" layout="multiline" data-testid="add-to-list-lists-error">
                  <MessageBarBody>
                    <MessageBarTitle>The lists could not be read</MessageBarTitle>
                    {lists.error.message}{' '}
                    <Button appearance="transparent" size="small" onClick={() => void lists.refetch()}>
                      Try again
                    </Button>
                  </MessageBarBody>
                </MessageBar>
              )}
              {lists.data && lists.data.length > 0 && (
                <FormField
                  field="list"
                  label="List"
                  controlId="add-to-list-existing"
                  required
                  error={errors.list}
                  hint={`Static lists of ${recordsWord(job.table, 2)} in ${job.destination.name}.`}
                >
                  <Select
                    id="add-to-list-existing"
                    value={listId}
                    onChange={(_, d) => {
                      setListId(d.value);
                      setErrors((x) => ({ ...x, list: undefined }));
                    }}
                    data-testid="add-to-list-existing"
                  >
                    <option value="">Choose a list…</option>
                    {lists.data.map((l) => (
                      <option key={l.id} value={l.id}>
                        {l.memberCount === null ? l.name : `${l.name} (${formatCount(l.memberCount)} members)`}
                      </option>
                    ))}
                  </Select>
                </FormField>
              )}
            </>
          )}
          {lists.data && lists.data.length === 0 && (
            <Text className={styles.muted} data-testid="add-to-list-no-lists">
              {`${job.destination.name} has no static list of ${recordsWord(job.table, 2)} yet: name a new one below.`}
            </Text>
          )}

          {mode === 'new' && (
            <>
              <FormField field="name" label="New list's name" controlId="add-to-list-name" required error={errors.name}>
                <Input
                  id="add-to-list-name"
                  value={name}
                  onChange={(_, d) => {
                    setName(d.value);
                    setErrors((x) => ({ ...x, name: undefined }));
                  }}
                  placeholder="e.g. Spring newsletter"
                  data-testid="add-to-list-name"
                />
              </FormField>
              <FormField field="description" label="Description" controlId="add-to-list-description" error={errors.description}>
                <Input
                  id="add-to-list-description"
                  value={description}
                  onChange={(_, d) => {
                    setDescription(d.value);
                    setErrors((x) => ({ ...x, description: undefined }));
                  }}
                  data-testid="add-to-list-description"
                />
              </FormField>
            </>
          )}

          {add.isPending && (
            <Field validationMessage={`Adding ${formatCount(delivered)} ${word}…`} validationState="none">
              <ProgressBar data-testid="add-to-list-progress" />
            </Field>
          )}
          {failure && (
            <MessageBar intent="error" layout="multiline" data-testid="add-to-list-error">
              <MessageBarBody>
                <MessageBarTitle>Not added</MessageBarTitle>
                {failure.message}
              </MessageBarBody>
            </MessageBar>
          )}
        </DialogContent>
        <DialogActions>
          <Button appearance="secondary" onClick={onClose} disabled={add.isPending} data-testid="add-to-list-cancel">
            Cancel
          </Button>
          <Button
            appearance="primary"
            type="submit"
            disabledFocusable={add.isPending}
            icon={add.isPending ? <Spinner size="tiny" /> : undefined}
            data-testid="add-to-list-submit"
          >
            {add.isPending ? 'Adding…' : `Add ${formatCount(delivered)} ${word}`}
          </Button>
        </DialogActions>
      </DialogBody>
    </form>
  );
}
