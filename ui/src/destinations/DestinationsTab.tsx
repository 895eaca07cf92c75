// The Destinations tab: the list of places Ferry sends rows to, with add, edit and delete.
import {
  Badge,
  Button,
  Caption1,
  Table,
  TableBody,
  TableCell,
  TableHeader,
  TableHeaderCell,
  TableRow,
  Text,
  Tooltip,
  mergeClasses,
  useRestoreFocusTarget,
} from '@fluentui/react-components';
import { AddRegular, DeleteRegular, EditRegular } from '@fluentui/react-icons';
import { useState } from 'react';
import { useDeleteDestination, useDestinations } from '../api/queries';
import type { DestinationView } from '../api/types';
import { ConfirmDeleteDialog } from '../components/ConfirmDeleteDialog';
import { ExpiryBadge } from '../components/ExpiryBadge';
import { LoadFailed, Loading, PageHeader, usePageStyles } from '../components/PageStates';
import { audienceText, cloudText } from '../lib/format';
import { useNotify } from '../lib/notify';
import { DestinationDialog } from './DestinationDialog';

interface DialogState {
  open: boolean;
  /** Bumped on every opening so the form starts fresh. */
  key: number;
  destination?: DestinationView;
}

const COLUMNS = [
  { label: 'Name', width: '18%' },
  { label: 'Plugin', width: '12%' },
  { label: 'Credential', width: '13%' },
  { label: 'Dynamics URL', width: '25%' },
  { label: 'Who may use it', width: '12%' },
  { label: 'Secret expiry', width: '12%' },
  { label: 'Actions', width: '8%' },
];

export function DestinationsTab() {
  const styles = usePageStyles();
  const notify = useNotify();
  const destinations = useDestinations();
  const remove = useDeleteDestination();
  // Dialogs here open from code, not a DialogTrigger; this marks their openers so focus returns on close.
  const restoreFocus = useRestoreFocusTarget();
  const [dialog, setDialog] = useState<DialogState>({ open: false, key: 0 });
  // The target outlives `open` so the dialog keeps its words while it animates away.
  const [deleting, setDeleting] = useState<{ open: boolean; target?: DestinationView }>({ open: false });

  const openDialog = (destination?: DestinationView) => setDialog((s) => ({ open: true, key: s.key + 1, destination }));
  const addButton = (
    <Button
      appearance="primary"
      icon={<AddRegular />}
      data-testid="add-destination"
      onClick={() => openDialog()}
      {...restoreFocus}
    >
      Add destination
    </Button>
  );

  const target = deleting.target;
  const closeDelete = () => setDeleting((s) => ({ ...s, open: false }));
  const confirmDelete = () => {
    if (!target) return;
    remove.mutate(target.id, {
      onSuccess: () => {
        notify(`Destination “${target.name}” deleted`);
        closeDelete();
      },
    });
  };

  const list = destinations.data;
  return (
    <div className={styles.page}>
      <PageHeader
        title="Destinations"
        lead="Where Ferry sends rows: each one is a Dynamics 365 environment and the credential used to reach it."
        action={list && list.length > 0 ? addButton : undefined}
      />

      {destinations.isPending && <Loading label="Loading destinations…" />}
      {destinations.isError && (
        <LoadFailed what="destinations" error={destinations.error} onRetry={() => void destinations.refetch()} />
      )}

      {list && list.length === 0 && (
        <div className={styles.empty} data-testid="destinations-empty">
          <Text weight="semibold" size={400}>
            No destinations yet
          </Text>
          <Text>
            A destination is a Dynamics 365 environment that Ferry sends rows to. To add one, have these to hand from
            the Azure portal and Power Platform:
          </Text>
          <ul className={styles.emptyList}>
            <li>the client ID and a client secret of an app registration that may write to Dynamics,</li>
            <li>the Active Directory (tenant) ID that registration lives in,</li>
            <li>your organisation&apos;s Dynamics URL, such as https://contoso.crm.dynamics.com.</li>
          </ul>
          {addButton}
        </div>
      )}

      {list && list.length > 0 && (
        <Table aria-label="Destinations" data-testid="destinations-table">
          <TableHeader>
            <TableRow>
              {COLUMNS.map((c) => (
                <TableHeaderCell key={c.label} style={{ width: c.width }}>
                  {c.label === 'Actions' ? <span className={styles.actionsHeader}>{c.label}</span> : c.label}
                </TableHeaderCell>
              ))}
            </TableRow>
          </TableHeader>
          <TableBody>
            {list.map((d) => (
              <TableRow key={d.id} data-testid="destination-row" data-name={d.name}>
                <TableCell>
                  <div className={styles.cellStack}>
                    <Text weight="semibold" className={styles.wrap}>
                      {d.name}
                    </Text>
                    {d.description && <Caption1 className={mergeClasses(styles.muted, styles.wrap)}>{d.description}</Caption1>}
                  </div>
                </TableCell>
                <TableCell>{d.plugin.name}</TableCell>
                <TableCell>
                  <span className={styles.wrap}>{d.credential.name}</span>
                </TableCell>
                <TableCell>
                  <div className={styles.cellStack}>
                    <span className={styles.wrap}>{d.dynamicsUrl}</span>
                    <Caption1 className={styles.muted}>{cloudText(d.cloudLabel, d.region)}</Caption1>
                  </div>
                </TableCell>
                <TableCell>
                  <div className={styles.badges}>
                    <span>{audienceText(d.businessUsers)}</span>
                    {d.restrictedPii && (
                      <Badge appearance="outline" color="informative" size="small">
                        + restricted PII
                      </Badge>
                    )}
                  </div>
                </TableCell>
                <TableCell>
                  <div className={styles.cellStack}>
                    <ExpiryBadge expiry={d.credential.expiry} />
                  </div>
                </TableCell>
                <TableCell>
                  <div className={styles.actions}>
                    <Tooltip content={`Edit ${d.name}`} relationship="label">
                      <Button
                        appearance="subtle"
                        icon={<EditRegular />}
                        data-testid="destination-edit"
                        onClick={() => openDialog(d)}
                        {...restoreFocus}
                      />
                    </Tooltip>
                    <Tooltip content={`Delete ${d.name}`} relationship="label">
                      <Button
                        appearance="subtle"
                        icon={<DeleteRegular />}
                        data-testid="destination-delete"
                        {...restoreFocus}
                        onClick={() => {
                          remove.reset();
                          setDeleting({ open: true, target: d });
                        }}
                      />
                    </Tooltip>
                  </div>
                </TableCell>
              </TableRow>
            ))}
          </TableBody>
        </Table>
      )}

      {dialog.key > 0 && (
        <DestinationDialog
          key={dialog.key}
          open={dialog.open}
          destination={dialog.destination}
          onClose={() => setDialog((s) => ({ ...s, open: false }))}
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
        Ferry will stop sending to this destination and forget its settings. Its credential “
        {target?.credential.name}” stays, with its secret, for other destinations to use.
      </ConfirmDeleteDialog>
    </div>
  );
}
