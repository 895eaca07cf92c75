// The user form (add and edit): a name, one of the five policies and whether personal data is
// hidden from the user. The name is judged by the backend as it is typed (check_user).
//
// Test ids: `user-dialog` (data-mode = create | edit), `user-name`, `user-policy` (a <select>
// whose option values are the policies), `user-restrict-pii` (the switch's input),
// `user-save`, `user-error` (a refusal that is not about a field, e.g. the last administrator),
// `error-name` (see components/FormField.tsx).
import {
  Button,
  Dialog,
  DialogActions,
  DialogBody,
  DialogContent,
  DialogSurface,
  DialogTitle,
  Input,
  MessageBar,
  MessageBarBody,
  MessageBarTitle,
  Select,
  Spinner,
  Switch,
  Text,
  makeStyles,
  tokens,
} from '@fluentui/react-components';
import { useState, type FormEvent } from 'react';
import { commands } from '../../api/ipc';
import type { AppError, FieldError, Policy, UserInput, UserView } from '../../api/types';
import { userKeys, useSaveUser } from '../../api/users';
import { FormField } from '../../components/FormField';
import { Truncate } from '../../components/Truncate';
import { useNotify } from '../../lib/notify';
import { hasValue, useFormCheck } from '../../lib/useFormCheck';
import { POLICIES } from './policies';

export interface UserDialogProps {
  open: boolean;
  /** The user being edited; absent when adding one. */
  user?: UserView;
  onClose: () => void;
}

const INPUTS = [
  ['name', 'user-name'],
  ['policy', 'user-policy'],
  ['restrictPii', 'user-restrict-pii'],
] as const;

const fieldsOf = (fields: FieldError[]) => fields;

const useStyles = makeStyles({
  surface: { width: '560px', maxWidth: 'calc(100vw - 48px)' },
  form: { display: 'flex', flexDirection: 'column', gap: tokens.spacingVerticalL },
  intro: { color: tokens.colorNeutralForeground2 },
  bar: { flexShrink: 0 },
});

function initialInput(user: UserView | undefined): UserInput {
  // A new user starts with the narrowest policy; the administrator widens it on purpose.
  return user ? { name: user.name, policy: user.policy, restrictPii: user.restrictPii } : { name: '', policy: 'amp360', restrictPii: false };
}

export function UserDialog({ open, user, onClose }: UserDialogProps) {
  const styles = useStyles();
  const notify = useNotify();
  const save = useSaveUser();
  const [form, setForm] = useState<UserInput>(() => initialInput(user));
  const [failure, setFailure] = useState<AppError | null>(null);

  const fm = useFormCheck({
    // The form state keeps its identity while unchanged, as the check's debounce needs.
    value: form,
    enabled: open,
    queryKey: (settled) => userKeys.userCheck(settled, user?.id),
    check: (settled) => commands.checkUser(settled, user?.id),
    fieldsOf,
    inputs: INPUTS,
    filled: (field) => (field === 'name' ? hasValue(form.name) : true),
  });
  const msg = fm.messages;

  const update = <K extends keyof UserInput>(key: K, value: UserInput[K]) => {
    setForm((f) => ({ ...f, [key]: value }));
    setFailure(null);
    fm.edited();
  };

  const onSubmit = (e: FormEvent) => {
    e.preventDefault();
    if (save.isPending) return;
    setFailure(null);
    save.mutate(
      { id: user?.id ?? null, input: form },
      {
        onSuccess: (saved) => {
          notify(user ? `User “${saved.name}” saved` : `User “${saved.name}” added as ${saved.policyLabel}`);
          onClose();
        },
        onError: (err) => {
          if (!fm.refused(err)) setFailure(err);
        },
      },
    );
  };

  const pending = save.isPending;
  return (
    <Dialog
      open={open}
      onOpenChange={(_, data) => {
        if (!data.open && !pending) onClose();
      }}
    >
      <DialogSurface className={styles.surface} data-testid="user-dialog" data-mode={user ? 'edit' : 'create'}>
        <form onSubmit={onSubmit} noValidate>
          <DialogBody>
            <DialogTitle>
              <Truncate text={user ? `Edit “${user.name}”` : 'Add user'} />
            </DialogTitle>
            <DialogContent className={styles.form}>
              <Text className={styles.intro}>
                A user is someone who works in Ferry on this computer. Their policy decides which tabs and actions they
                get; every action is recorded in the activity log under their name.
              </Text>
              {failure && (
                <MessageBar className={styles.bar} intent="error" layout="multiline" data-testid="user-error">
                  <MessageBarBody>
                    <MessageBarTitle>Not saved</MessageBarTitle>
                    {failure.message}
                  </MessageBarBody>
                </MessageBar>
              )}
              {fm.otherMessages.length > 0 && (
                <MessageBar className={styles.bar} intent="error" layout="multiline">
                  <MessageBarBody>{fm.otherMessages.join(' ')}</MessageBarBody>
                </MessageBar>
              )}

              <FormField field="name" label="Name" controlId="user-name" required error={msg.name} hint="How the user menu and the activity log show them.">
                <Input
                  id="user-name"
                  data-testid="user-name"
                  value={form.name}
                  onChange={(_, d) => update('name', d.value)}
                  onBlur={() => fm.leave('name')}
                  placeholder="e.g. Dana Novak"
                  autoComplete="off"
                />
              </FormField>

              <FormField
                field="policy"
                label="Policy"
                controlId="user-policy"
                required
                error={msg.policy}
                hint="Decides which tabs and actions the user gets."
              >
                {/* NOTE: a native select (not radios) so each policy reads with its line in one
                    compact list, and scripts can choose one by its value. */}
                <Select
                  id="user-policy"
                  data-testid="user-policy"
                  value={form.policy}
                  onChange={(_, d) => update('policy', d.value as Policy)}
                >
                  {POLICIES.map((p) => (
                    <option key={p.value} value={p.value}>
                      {`${p.label} — ${p.description}`}
                    </option>
                  ))}
                </Select>
              </FormField>

              <FormField
                field="restrictPii"
                label="Personal data"
                controlId="user-restrict-pii"
                error={msg.restrictPii}
                hint="Values in columns marked PII show as •••• (PII) to this user wherever they see rows."
              >
                <Switch
                  id="user-restrict-pii"
                  data-testid="user-restrict-pii"
                  checked={form.restrictPii}
                  onChange={(_, d) => update('restrictPii', d.checked)}
                  label="Restrict PII access"
                />
              </FormField>
            </DialogContent>
            <DialogActions>
              <Button appearance="secondary" onClick={onClose} disabled={pending}>
                Cancel
              </Button>
              <Button
                appearance="primary"
                type="submit"
                data-testid="user-save"
                disabled={pending}
                icon={pending ? <Spinner size="tiny" /> : undefined}
              >
                {pending ? 'Saving…' : user ? 'Save' : 'Add user'}
              </Button>
            </DialogActions>
          </DialogBody>
        </form>
      </DialogSurface>
    </Dialog>
  );
}
