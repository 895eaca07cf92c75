// The Destinations tab: the list of places Ferry sends rows to, with add, edit, delete, connection tests and tables.
// Each action is shown only to users whose policy allows it; a destination the acting user may
// not send through carries a "Not available to you" badge (destination-unavailable) with the
// reason, and its Test connection is disabled with the same reason.
import {
  Badge,
  Button,
  Caption1,
  Table,
  TableBody,
  TableCell,
  TableRow,
  Text,
  Tooltip,
  useRestoreFocusTarget,
} from '@fluentui/react-components';
import {
  AddRegular,
  BoxRegular,
  DocumentTableArrowRightRegular,
  DeleteRegular,
  EditRegular,
  PlugConnectedRegular,
  RocketRegular,
  TableSearchRegular,
} from '@fluentui/react-icons';
import { Fragment, useRef, useState } from 'react';
import {
  useDeleteDestination,
  useDestinations,
  useDismissGettingStarted,
  useGettingStarted,
  useRefreshGettingStarted,
  useRestoreSandbox,
  useTestConnection,
} from '../api/queries';
import { useDeleteTemplate, useRowSources, useTemplates } from '../api/templates';
import type { AppError, DestinationView, TemplateView } from '../api/types';
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
import { StatusDisplay } from '../components/StatusDisplay';
import { Truncate } from '../components/Truncate';
import { checkStatus } from '../lib/checkStatus';
import { audienceText, cloudText } from '../lib/format';
import { useListView } from '../lib/listView';
import { useNotify } from '../lib/notify';
import { ConnectionNotice, type NoticeState } from './ConnectionNotice';
import { DestinationDialog } from './DestinationDialog';
import { GettingStarted } from './GettingStarted';
import { TablesDialog } from './TablesDialog';
import { DestinationTemplates } from '../features/templates/DestinationTemplates';
import { PreviewPanel } from '../features/templates/PreviewPanel';
import { TemplateDialog } from '../features/templates/TemplateDialog';

/** The Local sandbox's fixed id (core's DEMO_DESTINATION_ID). */
const SANDBOX_ID = 'dst_localsandbox';

interface DialogState {
  open: boolean;
  /** Bumped on every opening so the form starts fresh. */
  key: number;
  destination?: DestinationView;
}

type SortKey = 'name' | 'url' | 'lastTest';

// The actions column keeps its width (its buttons are labelled); the others share the rest, so
// at the minimum window (900 px) nothing overlaps and long text is shortened instead.
const COLUMNS: ListColumn<SortKey>[] = [
  { label: 'Name', width: '18%', sortKey: 'name' },
  { label: 'Dynamics URL', width: '20%', sortKey: 'url' },
  { label: 'Credential', width: '13%' },
  { label: 'Access', width: '10%' },
  { label: 'Last test', width: '16%', sortKey: 'lastTest' },
  { label: 'Actions', width: '190px' },
];

const searchIn = (d: DestinationView) => [d.name, d.description, d.dynamicsUrl, d.credential.name];
const sortBy: Record<SortKey, (d: DestinationView) => string | number | null> = {
  name: (d) => d.name,
  url: (d) => d.dynamicsUrl,
  // Newest first reads as "descending"; never-tested rows stay last either way.
  lastTest: (d) => d.lastCheck?.checkedAt ?? null,
};

/** At most this many notices stack above the table; the newest comes first. */
const MAX_NOTICES = 3;

type Named = Pick<DestinationView, 'id' | 'name'>;

/**
 * Connection tests from the list: one notice per destination (saved, testing, outcome). Several
 * tests may run at once; each lands on its own destination's notice.
 */
function useConnectionNotices() {
  const test = useTestConnection();
  const [notices, setNotices] = useState<NoticeState[]>([]);
  // Read synchronously, so a double click cannot start a second test before the first re-render.
  const running = useRef(new Set<string>());

  const put = (id: string, change: (n: NoticeState | undefined) => NoticeState | null) =>
    setNotices((all) => {
      const next = change(all.find((n) => n.destinationId === id));
      const rest = all.filter((n) => n.destinationId !== id);
      return next ? [next, ...rest].slice(0, MAX_NOTICES) : rest;
    });
  const patch = (id: string, change: Partial<NoticeState>) =>
    setNotices((all) => all.map((n) => (n.destinationId === id ? { ...n, ...change } : n)));

  const saved = (d: Named) =>
    put(d.id, () => ({ destinationId: d.id, destinationName: d.name, saved: true, testing: false, outcome: null }));

  const run = (d: Named) => {
    if (running.current.has(d.id)) return;
    running.current.add(d.id);
    put(d.id, (n) => ({ destinationId: d.id, destinationName: d.name, saved: n?.saved ?? false, testing: true, outcome: n?.outcome ?? null }));
    test
      .mutateAsync(d.id)
      .then(
        (report) => patch(d.id, { testing: false, outcome: { ok: true, report } }),
        (error: AppError) => patch(d.id, { testing: false, outcome: { ok: false, error } }),
      )
      .finally(() => running.current.delete(d.id));
  };

  const dismiss = (id: string) => put(id, () => null);
  const isTesting = (id: string) => notices.some((n) => n.destinationId === id && n.testing);
  return { notices, saved, run, dismiss, isTesting };
}

export function DestinationsTab() {
  const styles = usePageStyles();
  const notify = useNotify();
  const destinations = useDestinations();
  const { can } = usePermissions();
  const canManage = can('manageDestinations');
  const remove = useDeleteDestination();
  // Dialogs here open from code, not a DialogTrigger; this marks their openers so focus returns on close.
  const restoreFocus = useRestoreFocusTarget();
  const [dialog, setDialog] = useState<DialogState>({ open: false, key: 0 });
  const connection = useConnectionNotices();
  const view = useListView<DestinationView, SortKey>(destinations.data, { searchIn, sortBy, initialSort: { key: 'name', direction: 'ascending' } });
  const start = useGettingStarted();
  const dismissStart = useDismissGettingStarted();
  const refreshStart = useRefreshGettingStarted();
  const restoreSandbox = useRestoreSandbox();
  // Like the delete target, the destination outlives `open` while the dialog animates away.
  const [tables, setTables] = useState<{ open: boolean; key: number; destination?: Named }>({ open: false, key: 0 });
  // The target outlives `open` so the dialog keeps its words while it animates away.
  const [deleting, setDeleting] = useState<{ open: boolean; target?: DestinationView }>({ open: false });
  const tpl = useTemplateActions();

  const openDialog = (destination?: DestinationView) => setDialog((s) => ({ open: true, key: s.key + 1, destination }));
  const addButton = canManage ? (
    <Button
      appearance="primary"
      icon={<AddRegular />}
      data-testid="add-destination"
      onClick={() => openDialog()}
      {...restoreFocus}
    >
      Add destination
    </Button>
  ) : null;

  const target = deleting.target;
  const closeDelete = () => setDeleting((s) => ({ ...s, open: false }));
  const confirmDelete = () => {
    if (!target) return;
    remove.mutate(target.id, {
      onSuccess: () => {
        notify(`Destination “${target.name}” deleted`);
        connection.dismiss(target.id);
        closeDelete();
      },
    });
  };

  const list = destinations.data;
  const steps = start.data;
  const sandboxButton = canManage && steps?.sandboxAddable ? (
    <Button
      icon={<BoxRegular />}
      data-testid="add-sandbox"
      disabledFocusable={restoreSandbox.isPending}
      onClick={() =>
        restoreSandbox.mutate(undefined, {
          onSuccess: (d) => notify(`“${d.name}” is back: it points at the sandbox running inside Ferry`),
          onError: (e) => notify(e.message, 'error'),
        })
      }
    >
      Add the local sandbox
    </Button>
  ) : null;
  // The first steps are an operator's (add, test, browse, import); business users skip them.
  const showSteps = canManage && !!steps && !steps.dismissed && !!list && list.length > 0;
  const headerActions =
    list && list.length > 0 ? (
      <>
        {canManage && steps?.dismissed && (
          <Button
            appearance="subtle"
            icon={<RocketRegular />}
            data-testid="getting-started-show"
            onClick={() => dismissStart.mutate(false)}
          >
            Getting started
          </Button>
        )}
        {addButton}
      </>
    ) : undefined;
  return (
    <div className={styles.page}>
      <PageHeader
        title="Destinations"
        lead="Where Ferry sends rows: each one is a Dynamics 365 environment and the credential used to reach it."
        action={headerActions}
      />

      {showSteps && steps && (
        <GettingStarted
          steps={steps}
          sandboxButton={sandboxButton}
          hasTemplate={tpl.hasAny}
          onDismiss={() => dismissStart.mutate(true)}
        />
      )}

      {connection.notices.length > 0 && (
        <div className={styles.notices} data-testid="destination-notices">
          {connection.notices.map((n) => (
            <ConnectionNotice
              key={n.destinationId}
              notice={n}
              onTest={() => connection.run({ id: n.destinationId, name: n.destinationName })}
              onDismiss={() => connection.dismiss(n.destinationId)}
              onBrowseTables={
                can('browseTables')
                  ? () =>
                      setTables((s) => ({
                        open: true,
                        key: s.key + 1,
                        destination: { id: n.destinationId, name: n.destinationName },
                      }))
                  : undefined
              }
            />
          ))}
        </div>
      )}

      {destinations.isPending && <Loading label="Loading destinations…" />}
      {destinations.isError && (
        <LoadFailed what="destinations" error={destinations.error} onRetry={() => void destinations.refetch()} />
      )}

      {list && list.length === 0 && !canManage && (
        <EmptyState testId="destinations-empty" title="No destinations for you yet" action={null}>
          <Text>
            Destinations are added by a DataGrid Operator or Administrator. Once one is added and opened to your
            user, it appears here.
          </Text>
        </EmptyState>
      )}

      {list && list.length === 0 && canManage && (
        <EmptyState testId="destinations-empty" title="No destinations yet" action={addButton}>
        <Text>
          A destination is a Dynamics 365 environment that Ferry sends rows to. To add one, have these to hand from
          the Azure portal and Power Platform:
        </Text>
        <ul className={styles.emptyList}>
          <li>the client ID and a client secret of an app registration that may write to Dynamics,</li>
          <li>the Active Directory (tenant) ID that registration lives in,</li>
          <li>your organisation&apos;s Dynamics URL, such as https://contoso.crm.dynamics.com.</li>
        </ul>
        {sandboxButton && (
          <>
            <Text>
              No tenant at hand? The local sandbox runs inside Ferry and answers like Dynamics, so you can try
              Ferry first.
            </Text>
            {sandboxButton}
          </>
        )}
        </EmptyState>
      )}

      <ListSearch
        view={view}
        what="destinations"
        placeholder="Search by name, description or URL"
        hint="Search looks at names, descriptions, Dynamics URLs and credential names: try fewer or shorter words."
        testId="destinations-search"
      />

      {view.rows.length > 0 && (
        <Table aria-label="Destinations" data-testid="destinations-table" sortable>
          <ListTableHeader columns={COLUMNS} sort={view.sort} onSort={view.toggleSort} />
          <TableBody>
            {view.rows.map((d) => (
              <Fragment key={d.id}>
              <TableRow data-testid="destination-row" data-name={d.name}>
                <TableCell>
                  <NameCell name={d.name} description={d.description} />
                </TableCell>
                <TableCell>
                  <div className={styles.cellStack}>
                    <Truncate text={d.dynamicsUrl} testId="row-url" />
                    <Caption1 className={styles.muted}>
                      <Truncate text={`${cloudText(d.cloudLabel, d.region)} · ${d.plugin.name}`} />
                    </Caption1>
                  </div>
                </TableCell>
                <TableCell>
                  <div className={styles.cellStack}>
                    <Truncate text={d.credential.name} />
                    <ExpiryBadge expiry={d.credential.expiry} showDate={false} />
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
                    {d.unavailable && (
                      <Tooltip content={d.unavailable} relationship="description">
                        <Badge
                          appearance="tint"
                          color="warning"
                          size="small"
                          tabIndex={0}
                          data-testid="destination-unavailable"
                        >
                          Not available to you
                        </Badge>
                      </Tooltip>
                    )}
                  </div>
                </TableCell>
                <TableCell>
                  <StatusDisplay status={checkStatus(d.lastCheck, connection.isTesting(d.id))} testId="destination-status" />
                </TableCell>
                <TableCell>
                  <RowActions
                    name={d.name}
                    busy={connection.isTesting(d.id)}
                    primary={
                      can('testConnection')
                        ? {
                            label: 'Test connection',
                            accessibleName: `Test connection to ${d.name}`,
                            icon: <PlugConnectedRegular />,
                            testId: 'destination-test',
                            onClick: () => {
                              if (!d.unavailable) connection.run(d);
                            },
                            disabledReason: d.unavailable,
                          }
                        : undefined
                    }
                    moreTestId="destination-more"
                    more={[
                      ...(can('browseTables')
                        ? [
                            {
                              label: 'Browse tables',
                              icon: <TableSearchRegular />,
                              testId: 'destination-tables',
                              onClick: () => setTables((s) => ({ open: true, key: s.key + 1, destination: d })),
                            },
                          ]
                        : []),
                      ...(tpl.canManage
                        ? [
                            {
                              label: 'Add data template',
                              icon: <DocumentTableArrowRightRegular />,
                              testId: 'destination-add-template',
                              onClick: () => tpl.add(d),
                            },
                          ]
                        : []),
                      ...(canManage
                        ? [
                            { label: 'Edit', icon: <EditRegular />, testId: 'destination-edit', onClick: () => openDialog(d) },
                            {
                              label: 'Delete',
                              icon: <DeleteRegular />,
                              testId: 'destination-delete',
                              onClick: () => {
                                remove.reset();
                                setDeleting({ open: true, target: d });
                              },
                            },
                          ]
                        : []),
                    ]}
                  />
                </TableCell>
              </TableRow>
              {tpl.canUse && (
                <TableRow aria-label={`Data templates for ${d.name}`}>
                  <TableCell colSpan={COLUMNS.length}>
                    {/* NOTE: a table sizes its columns from its cells' content, so a long
                        destination name without spaces in the heading widened the page past
                        900 px: its words may break, and the block takes only the room there is. */}
                    <div style={{ width: 0, minWidth: '100%', overflowWrap: 'anywhere' }}>
                      <DestinationTemplates
                        destinationId={d.id}
                        destinationName={d.name}
                        templates={tpl.of(d.id)}
                        sourceName={tpl.sourceName}
                        canManage={tpl.canManage}
                        canSend={tpl.canSend}
                        onPreview={tpl.preview}
                        onEdit={tpl.edit}
                        onDuplicate={tpl.duplicate}
                        onDelete={tpl.askDelete}
                      />
                    </div>
                  </TableCell>
                </TableRow>
              )}
              </Fragment>
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
          onSaved={connection.saved}
        />
      )}

      {tables.key > 0 && tables.destination && (
        <TablesDialog
          key={tables.key}
          open={tables.open}
          destination={tables.destination}
          onClose={() => {
            setTables((s) => ({ ...s, open: false }));
            refreshStart();
          }}
        />
      )}

      {tpl.dialogs}

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
        {target?.id === SANDBOX_ID &&
          ' The local sandbox will not come back when Ferry restarts; “Add the local sandbox” under Getting started brings it back.'}
      </ConfirmDeleteDialog>
    </div>
  );
}

type DestinationRef = Pick<DestinationView, 'id' | 'name'>;

/**
 * The data templates under each destination: the list, and the dialogs to add, edit, preview
 * and delete them. Users without a templates permission see none of it.
 */
function useTemplateActions() {
  const notify = useNotify();
  const { can } = usePermissions();
  const canManage = can('manageTemplates');
  const canUse = canManage || can('useTemplates');
  const canSend = can('sendData');
  const templates = useTemplates();
  const sources = useRowSources();
  const remove = useDeleteTemplate();
  const [dialog, setDialog] = useState<{
    open: boolean;
    key: number;
    destination?: DestinationRef;
    template?: TemplateView;
    copyOf?: TemplateView;
  }>({ open: false, key: 0 });
  const [preview, setPreview] = useState<{ open: boolean; key: number; template?: TemplateView }>({ open: false, key: 0 });
  const [deleting, setDeleting] = useState<{ open: boolean; target?: TemplateView }>({ open: false });

  const of = (destinationId: string) => (templates.data ?? []).filter((t) => t.destination.id === destinationId);
  const add = (d: DestinationRef) => setDialog((s) => ({ open: true, key: s.key + 1, destination: d }));
  const duplicate = (t: TemplateView) => setDialog((s) => ({ open: true, key: s.key + 1, destination: t.destination, copyOf: t }));
  const edit = (t: TemplateView) =>
    setDialog((s) => ({ open: true, key: s.key + 1, destination: t.destination, template: t }));
  const askDelete = (t: TemplateView) => {
    remove.reset();
    setDeleting({ open: true, target: t });
  };
  const closeDelete = () => setDeleting((s) => ({ ...s, open: false }));
  const target = deleting.target;

  const dialogs = (
    <>
      {dialog.key > 0 && dialog.destination && (
        <TemplateDialog
          key={dialog.key}
          open={dialog.open}
          destination={dialog.destination}
          template={dialog.template}
          copyOf={dialog.copyOf}
          onClose={() => setDialog((s) => ({ ...s, open: false }))}
        />
      )}
      {preview.key > 0 && preview.template && (
        <PreviewPanel
          key={preview.key}
          open={preview.open}
          template={preview.template}
          canSend={canSend}
          onClose={() => setPreview((s) => ({ ...s, open: false }))}
        />
      )}
      <ConfirmDeleteDialog
        open={deleting.open}
        title={`Delete template “${target?.name ?? ''}”?`}
        pending={remove.isPending}
        error={remove.error}
        onConfirm={() => {
          if (!target) return;
          remove.mutate(target.id, {
            onSuccess: () => {
              notify(`Template “${target.name}” deleted`);
              closeDelete();
            },
          });
        }}
        onCancel={closeDelete}
      >
        Ferry will forget this template&apos;s table and column mapping. The destination, and the query or segment
        its rows come from, stay as they are.
      </ConfirmDeleteDialog>
    </>
  );

  return {
    canUse,
    canManage,
    canSend,
    of,
    sourceName: sources.nameOf,
    add,
    edit,
    duplicate,
    askDelete,
    hasAny: (templates.data ?? []).length > 0,
    preview: (t: TemplateView) => setPreview((s) => ({ open: true, key: s.key + 1, template: t })),
    dialogs,
  };
}
