// The destination form (add and edit): basics, credential, connection settings and who may use it.
import {
  Button,
  Caption1,
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
  Textarea,
  makeStyles,
  tokens,
  useRestoreFocusTarget,
} from '@fluentui/react-components';
import { AddRegular, PlugConnectedRegular } from '@fluentui/react-icons';
import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { useMemo, useState, type FormEvent } from 'react';
import { commands } from '../api/ipc';
import { keys, useCredentials, usePlugins, useSaveDestination, useTestConnectionInput } from '../api/queries';
import type { AppError, CredentialView, DestinationInput, DestinationView, Plugin } from '../api/types';
import { FormField } from '../components/FormField';
import { CredentialDialog } from '../credentials/CredentialDialog';
import { focusFirstInvalid } from '../lib/focusField';
import { recognisedUrlText } from '../lib/format';
import { useNotify } from '../lib/notify';
import { useDebouncedValue } from '../lib/useDebouncedValue';
import { useFieldMessages } from '../lib/useFieldMessages';
import { ConnectionResult, type ConnectionOutcome } from './ConnectionResult';
import { PluginCombobox } from './PluginCombobox';
import { Truncate } from '../components/Truncate';

/** The credential select's last option: opens the credential dialog instead of selecting. */
export const NEW_CREDENTIAL = '__new__';

const KNOWN_FIELDS = ['name', 'description', 'plugin', 'credentialId', 'tenantId', 'dynamicsUrl', 'apiVersion'] as const;

const FOCUS_ORDER = [
  ['name', 'dest-name'],
  ['description', 'dest-description'],
  ['plugin', 'dest-plugin'],
  ['credentialId', 'dest-credential'],
  ['tenantId', 'dest-tenant'],
  ['dynamicsUrl', 'dest-url'],
  ['apiVersion', 'dest-api-version'],
] as const;

const useStyles = makeStyles({
  surface: { width: '680px', maxWidth: 'calc(100vw - 48px)' },
  content: { display: 'flex', flexDirection: 'column', gap: tokens.spacingVerticalL },
  section: {
    display: 'flex',
    flexDirection: 'column',
    gap: tokens.spacingVerticalM,
    paddingTop: tokens.spacingVerticalS,
  },
  heading: {
    margin: 0,
    fontSize: tokens.fontSizeBase400,
    lineHeight: tokens.lineHeightBase400,
    fontWeight: tokens.fontWeightSemibold,
    borderBottom: `${tokens.strokeWidthThin} solid ${tokens.colorNeutralStroke2}`,
    paddingBottom: tokens.spacingVerticalXS,
  },
  row: { display: 'flex', gap: tokens.spacingHorizontalS, alignItems: 'center' },
  grow: { flexGrow: 1, minWidth: 0 },
  apiVersion: { maxWidth: '220px' },
  toggle: { display: 'flex', flexDirection: 'column' },
  toggleHint: { color: tokens.colorNeutralForeground3, paddingLeft: '52px' },
  recognised: { color: tokens.colorPaletteGreenForeground1 },
  // The footer gets a row above its buttons for the connection test's result, so it sits next to the button.
  result: { gridRowStart: 3, gridRowEnd: 3, gridColumnStart: 1, gridColumnEnd: 4 },
  actions: { gridRowStart: 4, gridRowEnd: 4 },
});

/** The settings a connection test depends on; the shown result belongs to these values only. */
function connectionKey(f: DestinationInput): string {
  return JSON.stringify([f.plugin, f.credentialId, f.tenantId.trim(), f.dynamicsUrl.trim(), f.apiVersion]);
}

interface TestedSettings {
  /** connectionKey of the settings tested; a refusal of the form itself depends on every field. */
  key: string;
  outcome: ConnectionOutcome;
}

function emptyInput(): DestinationInput {
  return {
    name: '',
    description: '',
    plugin: '',
    credentialId: '',
    tenantId: '',
    dynamicsUrl: '',
    apiVersion: '',
    businessUsers: false,
    restrictedPii: false,
  };
}

function fromView(d: DestinationView): DestinationInput {
  return {
    name: d.name,
    description: d.description,
    plugin: d.plugin.id,
    credentialId: d.credential.id,
    tenantId: d.tenantId,
    dynamicsUrl: d.dynamicsUrl,
    apiVersion: d.apiVersion,
    businessUsers: d.businessUsers,
    restrictedPii: d.restrictedPii,
  };
}

function credentialLabel(c: CredentialView): string {
  const base = `${c.name} — ${c.expiry.summary}`;
  if (c.expiry.level === 'expired') return `${base} (expired)`;
  return c.secretStored === false ? `${base} (secret missing)` : base;
}

export interface DestinationDialogProps {
  open: boolean;
  /** The destination being edited; absent when adding. */
  destination?: DestinationView;
  onClose: () => void;
  /** Called with the saved destination (before onClose); without it a toast says it was saved. */
  onSaved?: (saved: DestinationView) => void;
}

export function DestinationDialog({ open, destination, onClose, onSaved }: DestinationDialogProps) {
  const styles = useStyles();
  const notify = useNotify();
  const plugins = usePlugins();
  const credentials = useCredentials();
  const save = useSaveDestination(destination?.id);
  const test = useTestConnectionInput(destination?.id);
  const [tested, setTested] = useState<TestedSettings | null>(null);
  const [form, setForm] = useState<DestinationInput>(() => (destination ? fromView(destination) : emptyInput()));
  const [pluginText, setPluginText] = useState(destination?.plugin.name ?? '');
  const [failure, setFailure] = useState<AppError | null>(null);
  const [credentialDialog, setCredentialDialog] = useState({ open: false, key: 0 });
  // The credential dialog opens from code; focus goes back to whichever of these opened it.
  const restoreFocus = useRestoreFocusTarget();

  const [settled, flush] = useDebouncedValue(form, 250);
  const check = useQuery({
    queryKey: keys.destinationCheck(settled, destination?.id),
    queryFn: () => commands.checkDestination(settled, destination?.id),
    enabled: open,
    placeholderData: keepPreviousData,
    // Each answer is for one moment of typing; none is worth keeping once the dialog moves on.
    gcTime: 0,
  });
  const fm = useFieldMessages(check.data?.fields, KNOWN_FIELDS);
  const msg = fm.messages;
  const url = check.data?.dynamicsUrl ?? null;

  const plugin = plugins.data?.find((p) => p.id === form.plugin);
  const pluginCredentials = useMemo(
    () => (credentials.data ?? []).filter((c) => c.plugin.id === form.plugin),
    [credentials.data, form.plugin],
  );

  const update = <K extends keyof DestinationInput>(key: K, value: DestinationInput[K]) => {
    setForm((f) => ({ ...f, [key]: value }));
    fm.edited();
  };
  const leave = (field: string) => () => {
    fm.touch(field);
    flush();
  };

  const choosePlugin = (p: Plugin | null) => {
    setForm((f) => {
      const keepCredential = p && (credentials.data ?? []).some((c) => c.id === f.credentialId && c.plugin.id === p.id);
      return {
        ...f,
        plugin: p?.id ?? '',
        credentialId: keepCredential ? f.credentialId : '',
        apiVersion: p ? (p.apiVersions.includes(f.apiVersion) ? f.apiVersion : p.defaultApiVersion) : '',
      };
    });
    fm.edited();
  };

  const openCredentialDialog = () => setCredentialDialog((s) => ({ open: true, key: s.key + 1 }));
  const closeCredentialDialog = () => setCredentialDialog((s) => ({ ...s, open: false }));

  const onSubmit = (e: FormEvent) => {
    e.preventDefault();
    if (save.isPending) return;
    setFailure(null);
    save.mutate(form, {
      onSuccess: (saved) => {
        if (onSaved) onSaved(saved);
        else notify('Destination saved');
        onClose();
      },
      onError: (err) => {
        if (err.code === 'validation') {
          fm.saveRejected(err.fields ?? []);
          focusFirstInvalid(err.fields ?? [], FOCUS_ORDER);
        } else {
          fm.saveRejected(null);
          setFailure(err);
        }
      },
    });
  };

  const canTest = Boolean(form.plugin && form.credentialId && form.tenantId.trim() && form.dynamicsUrl.trim());
  const testing = test.isPending;
  const runTest = () => {
    if (testing || !canTest) return;
    const settings = form;
    setTested(null);
    test.mutate(settings, {
      onSuccess: (report) => setTested({ key: connectionKey(settings), outcome: { ok: true, report } }),
      onError: (err) => {
        if (err.code === 'validation') {
          // Exactly as a refused save: messages under their fields, focus on the first.
          fm.saveRejected(err.fields ?? []);
          focusFirstInvalid(err.fields ?? [], FOCUS_ORDER);
          setTested({ key: JSON.stringify(settings), outcome: { ok: false, error: { code: err.code, message: err.message } } });
        } else {
          setTested({ key: connectionKey(settings), outcome: { ok: false, error: err } });
        }
      },
    });
  };
  // A result stops showing once a setting it depended on changes.
  const testResult =
    tested && (tested.key === connectionKey(form) || tested.key === JSON.stringify(form)) ? tested.outcome : null;

  const pending = save.isPending;
  const normalisedDiffers = url && url.normalized !== form.dynamicsUrl.trim();

  return (
    <Dialog
      open={open}
      onOpenChange={(_, data) => {
        if (!data.open && !pending) onClose();
      }}
    >
      <DialogSurface className={styles.surface} data-testid="destination-dialog">
        <form onSubmit={onSubmit} noValidate>
          <DialogBody>
            <DialogTitle><Truncate text={destination ? `Edit destination “${destination.name}”` : 'Add destination'} /></DialogTitle>
            <DialogContent className={styles.content}>
              {failure && (
                <MessageBar intent="error" layout="multiline" data-testid="destination-error" style={{ flexShrink: 0 }}>
                  <MessageBarBody>
                    <MessageBarTitle>Not saved</MessageBarTitle>
                    {failure.message}
                  </MessageBarBody>
                </MessageBar>
              )}
              {fm.otherMessages.length > 0 && (
                <MessageBar intent="error" layout="multiline" style={{ flexShrink: 0 }}>
                  <MessageBarBody>{fm.otherMessages.join(' ')}</MessageBarBody>
                </MessageBar>
              )}

              <section className={styles.section} aria-labelledby="dest-section-basics">
                <h3 id="dest-section-basics" className={styles.heading}>
                  Name and plugin
                </h3>
                <FormField field="name" label="Name" controlId="dest-name" required error={msg.name}>
                  <Input
                    id="dest-name"
                    value={form.name}
                    onChange={(_, d) => update('name', d.value)}
                    onBlur={leave('name')}
                    placeholder="e.g. Dynamics 365 – Sales EU"
                  />
                </FormField>
                <FormField field="description" label="Description" controlId="dest-description" error={msg.description}>
                  <Textarea
                    id="dest-description"
                    value={form.description}
                    onChange={(_, d) => update('description', d.value)}
                    onBlur={leave('description')}
                    placeholder="What this destination receives and who relies on it"
                    resize="vertical"
                  />
                </FormField>
                <FormField
                  field="plugin"
                  label="Plugin"
                  controlId="dest-plugin"
                  required
                  error={msg.plugin}
                  hint={plugins.isError ? `The plugin list did not load: ${plugins.error.message}` : 'The kind of system rows are sent to. Type a few letters to filter.'}
                >
                  <PluginCombobox
                    id="dest-plugin"
                    plugins={plugins.data ?? []}
                    value={form.plugin}
                    text={pluginText}
                    onTextChange={setPluginText}
                    onSelect={choosePlugin}
                    onBlur={leave('plugin')}
                  />
                </FormField>
              </section>

              <section className={styles.section} aria-labelledby="dest-section-credential">
                <h3 id="dest-section-credential" className={styles.heading}>
                  Credential
                </h3>
                <FormField
                  field="credentialId"
                  label="Credential"
                  controlId="dest-credential"
                  required
                  error={msg.credentialId}
                  hint={
                    form.plugin
                      ? 'The app registration Ferry signs in as. Several destinations can share one.'
                      : 'Choose a plugin first: each credential belongs to one.'
                  }
                >
                  <div className={styles.row}>
                    <Select
                      id="dest-credential"
                      className={styles.grow}
                      value={form.credentialId}
                      disabled={!form.plugin}
                      onChange={(_, d) => {
                        if (d.value === NEW_CREDENTIAL) openCredentialDialog();
                        else update('credentialId', d.value);
                      }}
                      onBlur={leave('credentialId')}
                      {...restoreFocus}
                    >
                      <option value="">
                        {credentials.isPending
                          ? 'Loading credentials…'
                          : pluginCredentials.length
                            ? 'Choose a credential'
                            : 'No credentials yet'}
                      </option>
                      {pluginCredentials.map((c) => (
                        <option key={c.id} value={c.id} disabled={c.expiry.level === 'expired'}>
                          {credentialLabel(c)}
                        </option>
                      ))}
                      <option value={NEW_CREDENTIAL}>Create a new credential…</option>
                    </Select>
                    <Button
                      data-testid="new-credential"
                      icon={<AddRegular />}
                      disabled={!form.plugin}
                      onClick={openCredentialDialog}
                      {...restoreFocus}
                    >
                      New credential
                    </Button>
                  </div>
                </FormField>
              </section>

              <section className={styles.section} aria-labelledby="dest-section-settings">
                <h3 id="dest-section-settings" className={styles.heading}>
                  Settings
                </h3>
                <FormField
                  field="tenantId"
                  label="Active Directory (tenant) ID"
                  controlId="dest-tenant"
                  required
                  error={msg.tenantId}
                  hint="A GUID from the app registration's overview page, or a domain such as contoso.onmicrosoft.com."
                >
                  <Input
                    id="dest-tenant"
                    value={form.tenantId}
                    onChange={(_, d) => update('tenantId', d.value)}
                    onBlur={leave('tenantId')}
                    spellCheck={false}
                    autoComplete="off"
                  />
                </FormField>
                <FormField
                  field="dynamicsUrl"
                  label="Dynamics URL"
                  controlId="dest-url"
                  required
                  error={msg.dynamicsUrl}
                  hint={
                    url ? (
                      <span data-testid="url-recognised" className={styles.recognised}>
                        {recognisedUrlText(url)}
                        {normalisedDiffers ? `. Saved as ${url.normalized}` : ''}
                      </span>
                    ) : (
                      "Your organisation's address, including https://, as shown in Power Platform admin center."
                    )
                  }
                >
                  <Input
                    id="dest-url"
                    type="url"
                    value={form.dynamicsUrl}
                    onChange={(_, d) => update('dynamicsUrl', d.value)}
                    onBlur={leave('dynamicsUrl')}
                    placeholder="https://contoso.crm.dynamics.com"
                    spellCheck={false}
                    autoComplete="off"
                  />
                </FormField>
                <FormField
                  className={styles.apiVersion}
                  field="apiVersion"
                  label="Web API version"
                  controlId="dest-api-version"
                  error={msg.apiVersion}
                >
                  <Select
                    id="dest-api-version"
                    value={form.apiVersion}
                    disabled={!plugin}
                    onChange={(_, d) => update('apiVersion', d.value)}
                    onBlur={leave('apiVersion')}
                  >
                    {!plugin && <option value="">Choose a plugin first</option>}
                    {plugin?.apiVersions.map((v) => (
                      <option key={v} value={v}>
                        {v === plugin.defaultApiVersion ? `${v} (recommended)` : v}
                      </option>
                    ))}
                  </Select>
                </FormField>
              </section>

              <section className={styles.section} aria-labelledby="dest-section-access">
                <h3 id="dest-section-access" className={styles.heading}>
                  Who may use it
                </h3>
                <div className={styles.toggle}>
                  <Switch
                    id="dest-business-users"
                    checked={form.businessUsers}
                    onChange={(_, d) => update('businessUsers', d.checked)}
                    label="Business users may use this destination"
                    aria-describedby="dest-business-users-hint"
                  />
                  <Caption1 id="dest-business-users-hint" className={styles.toggleHint}>
                    Business users hold Amp360 User (queries and orchestrations) or AmpIQ User (segments and campaigns).
                    When off, only DataGrid Operators and Administrators can pick it.
                  </Caption1>
                </div>
                <div className={styles.toggle}>
                  <Switch
                    id="dest-restricted-pii"
                    checked={form.restrictedPii}
                    onChange={(_, d) => update('restrictedPii', d.checked)}
                    label="Users with restricted PII access may use this destination"
                    aria-describedby="dest-restricted-pii-hint"
                  />
                  <Caption1 id="dest-restricted-pii-hint" className={styles.toggleHint}>
                    People whose PII access is restricted can neither see nor send PII unless you allow them here.
                  </Caption1>
                </div>
              </section>
            </DialogContent>
            {testResult && (
              <div className={styles.result}>
                <ConnectionResult outcome={testResult} />
              </div>
            )}
            <DialogActions position="start" className={styles.actions}>
              <Button
                appearance="secondary"
                data-testid="test-connection"
                disabled={!canTest}
                disabledFocusable={testing}
                icon={testing ? <Spinner size="tiny" /> : <PlugConnectedRegular />}
                onClick={runTest}
                title={canTest ? undefined : 'Fill in the plugin, credential, tenant ID and Dynamics URL first'}
              >
                {testing ? 'Testing…' : 'Test connection'}
              </Button>
            </DialogActions>
            <DialogActions className={styles.actions}>
              <Button appearance="secondary" onClick={onClose} disabled={pending}>
                Cancel
              </Button>
              <Button
                appearance="primary"
                type="submit"
                data-testid="destination-save"
                disabled={pending}
                icon={pending ? <Spinner size="tiny" /> : undefined}
              >
                {pending ? 'Saving…' : 'Save'}
              </Button>
            </DialogActions>
          </DialogBody>
        </form>
        {credentialDialog.key > 0 && (
          <CredentialDialog
            key={credentialDialog.key}
            open={credentialDialog.open}
            mode="create"
            pluginId={form.plugin}
            onClose={closeCredentialDialog}
            onSaved={(saved) => {
              update('credentialId', saved.id);
              closeCredentialDialog();
              notify('Credential saved');
              // Land on the select that now shows the new credential, whichever control opened the dialog.
              setTimeout(() => document.getElementById('dest-credential')?.focus(), 0);
            }}
          />
        )}
      </DialogSurface>
    </Dialog>
  );
}
