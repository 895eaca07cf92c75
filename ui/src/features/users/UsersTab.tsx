// The Users tab (administrators): who may work in Ferry on this computer, with their policy and
// whether personal data is hidden from them; add, edit, disable and enable. Users are never
// deleted, so the activity log always names someone who exists.
//
// Test ids: `add-user`, `users-table`, `user-row-<name>`, `edit-user-<name>`,
// `disable-user-<name>` / `enable-user-<name>`, `user-status`, `users-empty`; the disable/enable
// confirmation is `user-confirm` with `user-confirm-ok`, `user-confirm-cancel` and
// `user-confirm-error`; the form's ids are listed in UserDialog.tsx.
import {
  Badge,
  Button,
  Dialog,
  DialogActions,
  DialogBody,
  DialogContent,
  DialogSurface,
  DialogTitle,
  MessageBar,
  MessageBarBody,
  Spinner,
  Table,
  TableBody,
  TableCell,
  TableRow,
  Text,
  makeStyles,
  tokens,
  useRestoreFocusTarget,
} from '@fluentui/react-components';
import { AddRegular, EditRegular, PersonAvailableRegular, PersonProhibitedRegular } from '@fluentui/react-icons';
import { useState } from 'react';
import type { UserView } from '../../api/types';
import { usePermissions, useSetUserDisabled, useUsers } from '../../api/users';
import {
  EmptyState,
  ListTableHeader,
  LoadFailed,
  Loading,
  PageHeader,
  usePageStyles,
  type ListColumn,
} from '../../components/PageStates';
import { Truncate } from '../../components/Truncate';
import { useNotify } from '../../lib/notify';
import { UserDialog } from './UserDialog';

const COLUMNS: ListColumn[] = [
  { label: 'Name', width: '28%' },
  { label: 'Policy', width: '28%' },
  { label: 'PII restricted', width: '14%' },
  { label: 'Status', width: '12%' },
  { label: 'Actions', width: '220px' },
];

// NOTE: the name grows to fill its cell: Truncate takes no width of its own (it must not widen
// the table), so a name sized to its content would be zero wide.
const useLocalStyles = makeStyles({
  nameRow: { display: 'flex', alignItems: 'center', gap: tokens.spacingHorizontalS, minWidth: 0 },
  name: { flexGrow: 1, minWidth: 0 },
});

export function UsersTab() {
  const styles = usePageStyles();
  const local = useLocalStyles();
  const notify = useNotify();
  const users = useUsers();
  const { me } = usePermissions();
  const restoreFocus = useRestoreFocusTarget();
  const [dialog, setDialog] = useState<{ open: boolean; key: number; user?: UserView }>({ open: false, key: 0 });
  // The target outlives `open` so the confirmation keeps its words while it animates away.
  const [toggling, setToggling] = useState<{ open: boolean; target?: UserView }>({ open: false });
  const setDisabled = useSetUserDisabled();

  const openDialog = (user?: UserView) => setDialog((s) => ({ open: true, key: s.key + 1, user }));
  const askToggle = (target: UserView) => {
    setDisabled.reset();
    setToggling({ open: true, target });
  };
  const closeToggle = () => setToggling((s) => ({ ...s, open: false }));
  const target = toggling.target;
  const confirmToggle = () => {
    if (!target) return;
    const disabled = !target.disabled;
    setDisabled.mutate(
      { id: target.id, disabled },
      {
        onSuccess: (u) => {
          notify(disabled ? `${u.name} is disabled` : `${u.name} is enabled again`);
          closeToggle();
        },
      },
    );
  };

  const addButton = (
    <Button appearance="primary" icon={<AddRegular />} data-testid="add-user" onClick={() => openDialog()} {...restoreFocus}>
      Add user
    </Button>
  );
  const list = users.data;

  return (
    <div className={styles.page}>
      <PageHeader
        title="Users"
        lead="Who works in Ferry on this computer. A user's policy decides what they can see and do; Restrict PII access hides personal data from them."
        action={list && list.length > 0 ? addButton : undefined}
      />

      {users.isPending && <Loading label="Loading users…" />}
      {users.isError && <LoadFailed what="the users" error={users.error} onRetry={() => void users.refetch()} />}

      {list && list.length === 0 && (
        <EmptyState testId="users-empty" title="No users yet" action={addButton}>
          <Text>Add the people who work in Ferry on this computer, each with the policy that fits their work.</Text>
        </EmptyState>
      )}

      {list && list.length > 0 && (
        <Table aria-label="Users" data-testid="users-table">
          <ListTableHeader columns={COLUMNS} />
          <TableBody>
            {list.map((u) => (
              <TableRow key={u.id} data-testid={`user-row-${u.name}`} data-disabled={String(u.disabled)}>
                <TableCell>
                  <div className={local.nameRow}>
                    <Text weight="semibold" className={local.name}>
                      <Truncate text={u.name} testId="row-name" />
                    </Text>
                    {u.id === me?.user.id && (
                      <Badge appearance="outline" color="brand" size="small">
                        you
                      </Badge>
                    )}
                  </div>
                </TableCell>
                <TableCell>
                  <Truncate text={u.policyLabel} />
                </TableCell>
                <TableCell>{u.restrictPii ? 'Yes' : 'No'}</TableCell>
                <TableCell>
                  <Badge
                    appearance="tint"
                    color={u.disabled ? 'subtle' : 'success'}
                    data-testid="user-status"
                    data-status={u.disabled ? 'disabled' : 'enabled'}
                  >
                    {u.disabled ? 'Disabled' : 'Enabled'}
                  </Badge>
                </TableCell>
                <TableCell>
                  <div className={styles.actions}>
                    <Button
                      size="small"
                      icon={<EditRegular />}
                      data-testid={`edit-user-${u.name}`}
                      aria-label={`Edit ${u.name}`}
                      onClick={() => openDialog(u)}
                      {...restoreFocus}
                    >
                      Edit
                    </Button>
                    {u.disabled ? (
                      <Button
                        size="small"
                        icon={<PersonAvailableRegular />}
                        data-testid={`enable-user-${u.name}`}
                        aria-label={`Enable ${u.name}`}
                        onClick={() => askToggle(u)}
                        {...restoreFocus}
                      >
                        Enable
                      </Button>
                    ) : (
                      <Button
                        size="small"
                        icon={<PersonProhibitedRegular />}
                        data-testid={`disable-user-${u.name}`}
                        aria-label={`Disable ${u.name}`}
                        onClick={() => askToggle(u)}
                        {...restoreFocus}
                      >
                        Disable
                      </Button>
                    )}
                  </div>
                </TableCell>
              </TableRow>
            ))}
          </TableBody>
        </Table>
      )}

      {dialog.key > 0 && (
        <UserDialog
          key={dialog.key}
          open={dialog.open}
          user={dialog.user}
          onClose={() => setDialog((s) => ({ ...s, open: false }))}
        />
      )}

      <ToggleDialog
        open={toggling.open}
        target={target}
        pending={setDisabled.isPending}
        error={setDisabled.error}
        onConfirm={confirmToggle}
        onCancel={closeToggle}
      />
    </div>
  );
}

/** "Disable Dana?" / "Enable Dana?", with the backend's refusal (e.g. the last administrator) inside. */
function ToggleDialog({
  open,
  target,
  pending,
  error,
  onConfirm,
  onCancel,
}: {
  open: boolean;
  target: UserView | undefined;
  pending: boolean;
  error: { code: string; message: string } | null;
  onConfirm: () => void;
  onCancel: () => void;
}) {
  const enabling = !!target?.disabled;
  const name = target?.name ?? '';
  // A refusal that trying again cannot change (in_use: the last administrator) leaves only Close.
  const final = error?.code === 'in_use' || error?.code === 'forbidden';
  return (
    <Dialog
      open={open}
      modalType="alert"
      onOpenChange={(_, data) => {
        if (!data.open && !pending) onCancel();
      }}
    >
      <DialogSurface data-testid="user-confirm">
        <DialogBody>
          <DialogTitle>
            <Truncate text={enabling ? `Enable “${name}”?` : `Disable “${name}”?`} />
          </DialogTitle>
          <DialogContent>
            {enabling
              ? `${name} can be chosen in the user menu again, as ${target?.policyLabel ?? ''}.`
              : `${name} can no longer be chosen in the user menu or on the command line. What they saved and their entries in the activity log stay, and you can enable them again at any time.`}
            {error && (
              <MessageBar intent="error" layout="multiline" data-testid="user-confirm-error" style={{ marginTop: 12 }}>
                <MessageBarBody>{error.message}</MessageBarBody>
              </MessageBar>
            )}
          </DialogContent>
          <DialogActions>
            <Button appearance="secondary" data-testid="user-confirm-cancel" onClick={onCancel} disabled={pending}>
              {final ? 'Close' : 'Cancel'}
            </Button>
            {!final && (
              <Button
                appearance="primary"
                data-testid="user-confirm-ok"
                onClick={onConfirm}
                disabled={pending}
                icon={pending ? <Spinner size="tiny" /> : undefined}
              >
                {enabling ? 'Enable' : 'Disable'}
              </Button>
            )}
          </DialogActions>
        </DialogBody>
      </DialogSurface>
    </Dialog>
  );
}
