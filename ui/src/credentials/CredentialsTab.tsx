// The Credentials tab: app registrations Ferry signs in as, with rotate, edit and delete.
import {
  Button,
  Table,
  TableBody,
  TableCell,
  TableRow,
  Text,
  makeStyles,
  tokens,
  useRestoreFocusTarget,
} from '@fluentui/react-components';
import {
  AddRegular,
  ArrowSyncRegular,
  CheckmarkCircleRegular,
  DeleteRegular,
  EditRegular,
  ErrorCircleRegular,
  WarningRegular,
} from '@fluentui/react-icons';
import { useState } from 'react';
import { useCredentials, useDeleteCredential } from '../api/queries';
import type { CredentialView } from '../api/types';
import { usePermissions } from '../api/users';
import { ConfirmDeleteDialog } from '../components/ConfirmDeleteDialog';
import { ExpiryBadge } from '../components/ExpiryBadge';
import {
  EmptyState,
  ListTableHeader,
  LoadFailed,
  Loading,
  NameCell,
  ListSearch,
  PageHeader,
  RowActions,
  usePageStyles,
  type ListColumn,
} from '../components/PageStates';
import { Truncate } from '../components/Truncate';
import { secretStateText } from '../lib/format';
import { useListView } from '../lib/listView';
import { useNotify } from '../lib/notify';
import { CredentialDialog, type CredentialDialogMode } from './CredentialDialog';

const useStyles = makeStyles({
  secret: { display: 'inline-flex', alignItems: 'center', gap: tokens.spacingHorizontalXS, maxWidth: '100%' },
  mono: { fontFamily: tokens.fontFamilyMonospace, fontSize: tokens.fontSizeBase200 },
  ok: { color: tokens.colorPaletteGreenForeground1 },
  bad: { color: tokens.colorPaletteRedForeground1 },
  unknown: { color: tokens.colorPaletteMarigoldForeground1 },
});

interface DialogState {
  open: boolean;
  key: number;
  mode: CredentialDialogMode;
  credential?: CredentialView;
}

type SortKey = 'name' | 'expires';

// As on Destinations: the labelled actions keep their width, the rest shortens.
const COLUMNS: ListColumn<SortKey>[] = [
  { label: 'Name', width: '21%', sortKey: 'name' },
  { label: 'Client ID', width: '18%' },
  { label: 'Secret', width: '14%' },
  { label: 'Expires', width: '15%', sortKey: 'expires' },
  { label: 'Used by', width: '12%' },
  { label: 'Actions', width: '170px' },
];

const searchIn = (c: CredentialView) => [c.name, c.description, c.clientId, ...c.usedBy.map((d) => d.name)];
const sortBy: Record<SortKey, (c: CredentialView) => string | number | null> = {
  name: (c) => c.name,
  expires: (c) => c.expiry.daysLeft,
};

const SAVED_TEXT: Record<CredentialDialogMode, string> = {
  create: 'Credential saved',
  edit: 'Credential saved',
  rotate: 'Secret rotated',
};

function SecretState({ stored }: { stored: boolean | null }) {
  const styles = useStyles();
  const [Icon, tone] =
    stored === null ? [WarningRegular, styles.unknown] : stored ? [CheckmarkCircleRegular, styles.ok] : [ErrorCircleRegular, styles.bad];
  return (
    <span className={styles.secret}>
      <Icon className={tone} aria-hidden />
      {secretStateText(stored)}
    </span>
  );
}

export function CredentialsTab() {
  const styles = usePageStyles();
  const local = useStyles();
  const notify = useNotify();
  const credentials = useCredentials();
  const remove = useDeleteCredential();
  // Dialogs here open from code, not a DialogTrigger; this marks their openers so focus returns on close.
  const restoreFocus = useRestoreFocusTarget();
  const [dialog, setDialog] = useState<DialogState>({ open: false, key: 0, mode: 'create' });
  const [deleting, setDeleting] = useState<{ open: boolean; target?: CredentialView }>({ open: false });
  const view = useListView<CredentialView, SortKey>(credentials.data, {
    searchIn,
    sortBy,
    initialSort: { key: 'name', direction: 'ascending' },
  });

  const openDialog = (mode: CredentialDialogMode, credential?: CredentialView) =>
    setDialog((s) => ({ open: true, key: s.key + 1, mode, credential }));
  const closeDialog = () => setDialog((s) => ({ ...s, open: false }));

  const target = deleting.target;
  const closeDelete = () => setDeleting((s) => ({ ...s, open: false }));
  const confirmDelete = () => {
    if (!target) return;
    remove.mutate(target.id, {
      onSuccess: () => {
        notify(`Credential “${target.name}” deleted`);
        closeDelete();
      },
    });
  };

  const canManage = usePermissions().can('manageCredentials');
  const addButton = canManage ? (
    <Button
      appearance="primary"
      icon={<AddRegular />}
      data-testid="add-credential"
      onClick={() => openDialog('create')}
      {...restoreFocus}
    >
      Add credential
    </Button>
  ) : null;
  const list = credentials.data;

  return (
    <div className={styles.page}>
      <PageHeader
        title="Credentials"
        lead="App registrations Ferry signs in as. Secrets live in this computer's keychain and are never shown."
        action={list && list.length > 0 ? addButton : undefined}
      />

      {credentials.isPending && <Loading label="Loading credentials…" />}
      {credentials.isError && (
        <LoadFailed what="credentials" error={credentials.error} onRetry={() => void credentials.refetch()} />
      )}

      {list && list.length === 0 && (
        <EmptyState testId="credentials-empty" title="No credentials yet" action={addButton}>
        <Text>
          A credential is an Azure app registration: its client ID and one client secret. Ferry keeps the secret in
          the keychain and reminds you before it expires. You can also create one while adding a destination.
        </Text>
        </EmptyState>
      )}

      <ListSearch
        view={view}
        what="credentials"
        placeholder="Search by name or client ID"
        hint="Search looks at names, descriptions, client IDs and the destinations that use them: try fewer or shorter words."
        testId="credentials-search"
      />

      {view.rows.length > 0 && (
        <Table aria-label="Credentials" data-testid="credentials-table" sortable>
          <ListTableHeader columns={COLUMNS} sort={view.sort} onSort={view.toggleSort} />
          <TableBody>
            {view.rows.map((c) => (
              <TableRow key={c.id} data-testid="credential-row" data-name={c.name}>
                <TableCell>
                  <NameCell name={c.name} description={c.description} />
                </TableCell>
                <TableCell>
                  <Truncate text={c.clientId} className={local.mono} />
                </TableCell>
                <TableCell>
                  <SecretState stored={c.secretStored} />
                </TableCell>
                <TableCell>
                  <div className={styles.cellStack}>
                    <ExpiryBadge expiry={c.expiry} />
                  </div>
                </TableCell>
                <TableCell>
                  {c.usedBy.length === 0 ? (
                    <span className={styles.muted}>Not used</span>
                  ) : (
                    <Truncate text={c.usedBy.map((d) => d.name).join(', ')} lines={2} />
                  )}
                </TableCell>
                <TableCell>
                  {canManage && (
                    <RowActions
                      name={c.name}
                      primary={{
                        label: 'Rotate secret',
                        accessibleName: `Rotate secret of ${c.name}`,
                        icon: <ArrowSyncRegular />,
                        testId: 'credential-rotate',
                        onClick: () => openDialog('rotate', c),
                      }}
                      moreTestId="credential-more"
                      more={[
                        { label: 'Edit', icon: <EditRegular />, testId: 'credential-edit', onClick: () => openDialog('edit', c) },
                        {
                          label: 'Delete',
                          icon: <DeleteRegular />,
                          testId: 'credential-delete',
                          onClick: () => {
                            remove.reset();
                            setDeleting({ open: true, target: c });
                          },
                        },
                      ]}
                    />
                  )}
                </TableCell>
              </TableRow>
            ))}
          </TableBody>
        </Table>
      )}

      {dialog.key > 0 && (
        <CredentialDialog
          key={dialog.key}
          open={dialog.open}
          mode={dialog.mode}
          credential={dialog.credential}
          onClose={closeDialog}
          onSaved={() => {
            notify(SAVED_TEXT[dialog.mode]);
            closeDialog();
          }}
        />
      )}

      <ConfirmDeleteDialog
        open={deleting.open}
        title={`Delete “${target?.name ?? ''}”?`}
        pending={remove.isPending}
        error={remove.error}
        onConfirm={confirmDelete}
        onCancel={closeDelete}
      >
        Ferry will forget this credential and remove its secret from the keychain. The app registration in Azure is
        not touched.
      </ConfirmDeleteDialog>
    </div>
  );
}
