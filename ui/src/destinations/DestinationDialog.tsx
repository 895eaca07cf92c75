// The destination form (add and edit): basics, credentials, connection settings and who may use it.
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
} from '@fluentui/react-components';
import { AddRegular, PlugConnectedRegular } from '@fluentui/react-icons';
import { useMemo, useRef, useState, type FormEvent } from 'react';
import { commands } from '../api/ipc';
import { keys, useCredentials, usePlugins, useSaveDestination, useTestConnectionInput } from '../api/queries';
import { usePermissions } from '../api/users';
import type { AppError, CredentialView, DestinationInput, DestinationView, FormCheck, Plugin } from '../api/types';
import { FormField } from '../components/FormField';
import { CredentialDialog } from '../credentials/CredentialDialog';
import { expiryText, recognisedUrlText } from '../lib/format';
import { useNotify } from '../lib/notify';
import { hasValue, useFormCheck } from '../lib/useFormCheck';
import { AdditionalUsers, EXTRA_CREDENTIALS_ID } from './AdditionalUsers';
import { ConnectionResult, type ConnectionOutcome } from './ConnectionResult';
import { PluginCombobox } from './PluginCombobox';
import { Truncate } from '../components/Truncate';

/** The credential select's last option: opens the credential dialog instead of selecting. */
export const NEW_CREDENTIAL = '__new__';

const INPUTS = [
  ['name', 'dest-name'],
  ['description', 'dest-description'],
  ['plugin', 'dest-plugin'],
  ['credentialId', 'dest-credential'],
  ['extraCredentials', EXTRA_CREDENTIALS_ID],
  ['tenantId', 'dest-tenant'],
  ['dynamicsUrl', 'dest-url'],
  ['apiVersion', 'dest-api-version'],
] as const;

// The backend's rules that join two fields: which credential may sign in at which address, and
// which additional credentials may go with the main one.
const RELATED = {
  credentialId: ['dynamicsUrl', 'extraCredentials'],
  dynamicsUrl: ['credentialId', 'extraCredentials'],
  extraCredentials: ['credentialId'],
} as const;

const fieldsOf = (check: FormCheck) => check.fields;

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
  return JSON.stringify([f.plugin, f.credentialId, f.extraCredentials, f.tenantId.trim(), f.dynamicsUrl.trim(), f.apiVersion]);
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
    extraCredentials: [],
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
    extraCredentials: d.extraCredentials.map((c) => c.id),
  };
}

function credentialLabel(c: CredentialView, withPlugin: boolean): string {
  const base = `${c.name}${withPlugin ? ` (${c.plugin.name})` : ''} — ${expiryText(c.expiry)}`;
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
  // Only users who manage credentials may make one from here (operators and administrators).
  const canAddCredential = usePermissions().can('manageCredentials');
  const save = useSaveDestination(destination?.id);
  const test = useTestConnectionInput(destination?.id);
  const [tested, setTested] = useState<TestedSettings | null>(null);
  const [form, setForm] = useState<DestinationInput>(() => (destination ? fromView(destination) : emptyInput()));
  const [pluginText, setPluginText] = useState(destination?.plugin.name ?? '');
  const [failure, setFailure] = useState<AppError | null>(null);
  // The credential dialog is opened from code (a select option or a button), so this form
  // remembers which control opened it and gives focus back to it when it closes.
  const [credentialDialog, setCredentialDialog] = useState({ open: false, key: 0 });
  const credentialOpener = useRef<HTMLElement | null>(null);

  const fm = useFormCheck({
    value: form,
    enabled: open,
    queryKey: (settled) => keys.destinationCheck(settled, destination?.id),
    check: (settled) => commands.checkDestination(settled, destination?.id),
    fieldsOf,
    inputs: INPUTS,
    // The plugin box counts as filled once something is typed in it, even if nothing matched.
    filled: (field) => (field === 'plugin' ? hasValue(pluginText) : hasValue(form[field as keyof DestinationInput])),
    related: RELATED,
  });
  const msg = fm.messages;
  const url = fm.answer?.dynamicsUrl ?? null;

  const plugin = plugins.data?.find((p) => p.id === form.plugin);
  // Every credential can be chosen whatever the plugin box says (choosing one sets its plugin);
  // with a plugin chosen, that plugin's credentials come first.
  const choosable = useMemo(() => {
    const all = credentials.data ?? [];
    return [...all.filter((c) => c.plugin.id === form.plugin), ...all.filter((c) => c.plugin.id !== form.plugin)];
  }, [credentials.data, form.plugin]);
  const severalPlugins = new Set(choosable.map((c) => c.plugin.id)).size > 1;
  // Additional users sign in to the same organisation, so only the chosen plugin's credentials.
  const extraChoices = useMemo(
    () => (credentials.data ?? []).filter((c) => c.plugin.id === form.plugin),
    [credentials.data, form.plugin],
  );

  const update = <K extends keyof DestinationInput>(key: K, value: DestinationInput[K]) => {
    setForm((f) => ({ ...f, [key]: value }));
    fm.edited();
  };
  const leave = (field: string) => () => fm.leave(field);

  const choosePlugin = (p: Plugin | null) => {
    setForm((f) => {
      const keepCredential = p && (credentials.data ?? []).some((c) => c.id === f.credentialId && c.plugin.id === p.id);
      return {
        ...f,
        plugin: p?.id ?? '',
        credentialId: keepCredential ? f.credentialId : '',
        extraCredentials: f.extraCredentials.filter((id) =>
          (credentials.data ?? []).some((c) => c.id === id && c.plugin.id === p?.id),
        ),
        apiVersion: p ? (p.apiVersions.includes(f.apiVersion) ? f.apiVersion : p.defaultApiVersion) : '',
      };
    });
    fm.edited();
  };

  // With a single plugin there is nothing to choose: a new destination starts with it.
  const onlyPlugin = plugins.data?.length === 1 ? plugins.data[0] : undefined;
  const [preselected, setPreselected] = useState(false);
  if (!destination && onlyPlugin && !preselected) {
    setPreselected(true);
    if (!form.plugin) {
      choosePlugin(onlyPlugin);
      setPluginText(onlyPlugin.name);
    }
  }

  /** `known` is a credential just created, which the list may not hold yet. */
  const chooseCredential = (id: string, known?: CredentialView) => {
    const c = known ?? credentials.data?.find((x) => x.id === id);
    const p = c && c.plugin.id !== form.plugin ? plugins.data?.find((x) => x.id === c.plugin.id) : undefined;
    if (p) {
      choosePlugin(p);
      setPluginText(p.name);
    }
    // The main credential is the first user already, so it leaves the additional ones.
    setForm((f) => ({ ...f, credentialId: id, extraCredentials: f.extraCredentials.filter((x) => x !== id) }));
    fm.edited();
  };

  const openCredentialDialog = (opener: HTMLElement) => {
    credentialOpener.current = opener;
    setCredentialDialog((s) => ({ open: true, key: s.key + 1 }));
  };
  /** `focusId` names where focus goes next; by default back to the control that opened it. */
  const closeCredentialDialog = (focusId?: string) => {
    setCredentialDialog((s) => ({ ...s, open: false }));
    const target = focusId ? document.getElementById(focusId) : credentialOpener.current;
    // After the credential dialog has left the page: until then its focus trap holds focus.
    setTimeout(() => target?.focus(), 0);
  };

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
        if (!fm.refused(err)) setFailure(err);
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
        // A validation refusal is shown exactly as a refused save's: under the fields, focus on the first.
        if (fm.refused(err)) {
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
                  hint="The app registration Ferry signs in as. Several destinations can share one."
                >
                  <div className={styles.row}>
                    <Select
                      id="dest-credential"
                      className={styles.grow}
                      value={form.credentialId}
                      onChange={(e, d) => {
                        if (d.value === NEW_CREDENTIAL) openCredentialDialog(e.currentTarget);
                        else chooseCredential(d.value);
                      }}
                      onBlur={leave('credentialId')}
                    >
                      <option value="">
                        {credentials.isPending
                          ? 'Loading credentials…'
                          : choosable.length
                            ? 'Choose a credential'
                            : 'No credentials yet'}
                      </option>
                      {choosable.map((c) => (
                        <option key={c.id} value={c.id} disabled={c.expiry.level === 'expired'}>
                          {credentialLabel(c, severalPlugins)}
                        </option>
                      ))}
                      {canAddCredential && <option value={NEW_CREDENTIAL}>Create a new credential…</option>}
                    </Select>
                    {canAddCredential && (
                      <Button
                        data-testid="new-credential"
                        icon={<AddRegular />}
                        onClick={(e) => openCredentialDialog(e.currentTarget)}
                      >
                        New credential
                      </Button>
                    )}
                  </div>
                </FormField>
              </section>

              <section className={styles.section} aria-labelledby="dest-section-extra-users">
                <h3 id="dest-section-extra-users" className={styles.heading}>
                  Additional application users
                </h3>
                <AdditionalUsers
                  labelledBy="dest-section-extra-users"
                  credentials={extraChoices}
                  mainId={form.credentialId}
                  value={form.extraCredentials}
                  onChange={(ids) => update('extraCredentials', ids)}
                  onLeave={leave('extraCredentials')}
                  error={msg.extraCredentials}
                  canAddCredential={canAddCredential}
                />
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
        {/* Rendered only while open: closing removes it at once, with its focus trap, so focus
            can go back into this dialog (an exit animation would hold it a moment longer). */}
        {credentialDialog.open && (
          <CredentialDialog
            key={credentialDialog.key}
            open
            mode="create"
            pluginId={form.plugin || undefined}
            onClose={() => closeCredentialDialog()}
            onSaved={(saved) => {
              chooseCredential(saved.id, saved);
              notify('Credential saved');
              // Land on the select that now shows the new credential, whichever control opened the dialog.
              closeCredentialDialog('dest-credential');
            }}
          />
        )}
      </DialogSurface>
    </Dialog>
  );
}
