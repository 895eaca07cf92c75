// The credential form in its three modes: create, edit (name, client ID, expiry) and rotate (new secret).
import {
  Button,
  Checkbox,
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
  Text,
  Textarea,
  makeStyles,
  tokens,
} from '@fluentui/react-components';
import { useMemo, useState, type FormEvent } from 'react';
import { commands } from '../api/ipc';
import { keys, useAppStatus, usePlugins, useSaveCredential, type CredentialSave } from '../api/queries';
import type { AppError, CredentialView, FieldError, NewCredential } from '../api/types';
import { FormField } from '../components/FormField';
import { expiryDateText, localTodayIso } from '../lib/format';
import { hasValue, useFormCheck } from '../lib/useFormCheck';
import { ExpiryFields, expiryValueOf, toExpiryInput, type ExpiryValue } from './ExpiryFields';
import { Truncate } from '../components/Truncate';

export type CredentialDialogMode = 'create' | 'edit' | 'rotate';

export interface CredentialDialogProps {
  open: boolean;
  mode: CredentialDialogMode;
  /** The credential being edited or rotated; absent when creating. */
  credential?: CredentialView;
  /** The plugin a new credential is for; when absent the user picks (or the only one is used). */
  pluginId?: string;
  onClose: () => void;
  onSaved: (saved: CredentialView) => void;
}

interface CredentialForm {
  name: string;
  description: string;
  plugin: string;
  clientId: string;
  clientSecret: string;
  expiry: ExpiryValue;
  /** Edit mode only: whether the recorded expiry is being corrected. */
  correctExpiry: boolean;
}

const INTRO: Record<CredentialDialogMode, string> = {
  create:
    'A credential is the Azure app registration Ferry signs in as. You will find these values under App registrations in the Azure portal.',
  edit: 'Rename the credential or point it at another app registration. To replace its secret, use Rotate secret instead.',
  rotate:
    'Paste the value of the secret you just created in Azure. Every destination using this credential switches to it straight away.',
};

/** Every input the form can have, in screen order; each mode shows some of them. */
const INPUTS = [
  ['name', 'cred-name'],
  ['description', 'cred-description'],
  ['plugin', 'cred-plugin'],
  ['clientId', 'cred-client-id'],
  ['clientSecret', 'cred-secret'],
  ['expiry', 'cred-expiry-date'],
] as const;

const FIELDS_BY_MODE: Record<CredentialDialogMode, readonly string[]> = {
  create: ['name', 'description', 'plugin', 'clientId', 'clientSecret', 'expiry'],
  edit: ['name', 'description', 'clientId', 'expiry'],
  rotate: ['clientSecret', 'expiry'],
};
const EDIT_WITHOUT_EXPIRY = ['name', 'description', 'clientId'] as const;

const fieldsOf = (fields: FieldError[]) => fields;

const useStyles = makeStyles({
  surface: { width: '600px', maxWidth: 'calc(100vw - 48px)' },
  form: { display: 'flex', flexDirection: 'column', gap: tokens.spacingVerticalL },
  intro: { color: tokens.colorNeutralForeground2 },
  // The form scrolls as a whole; a shrinking message bar would clip its own text.
  bar: { flexShrink: 0 },
  mono: { fontFamily: tokens.fontFamilyMonospace },
});

function initialForm(mode: CredentialDialogMode, credential: CredentialView | undefined, pluginId: string): CredentialForm {
  const base: CredentialForm = {
    name: '',
    description: '',
    plugin: pluginId,
    clientId: '',
    clientSecret: '',
    expiry: { choice: '1y', date: '' },
    correctExpiry: false,
  };
  if (!credential || mode === 'create') return base;
  return {
    ...base,
    name: credential.name,
    description: credential.description,
    plugin: credential.plugin.id,
    clientId: credential.clientId,
    // Correcting an expiry usually means copying the date Azure shows, so start from the recorded one.
    expiry: mode === 'edit' ? expiryValueOf(credential.expiry) : base.expiry,
  };
}

function titleFor(mode: CredentialDialogMode, credential?: CredentialView): string {
  if (mode === 'rotate') return `Rotate secret for “${credential?.name ?? ''}”`;
  return mode === 'edit' ? 'Edit credential' : 'New credential';
}

export function CredentialDialog({ open, mode, credential, pluginId, onClose, onSaved }: CredentialDialogProps) {
  const styles = useStyles();
  const plugins = usePlugins();
  const status = useAppStatus();
  const save = useSaveCredential();
  const [form, setForm] = useState<CredentialForm>(() => initialForm(mode, credential, pluginId ?? ''));
  const [failure, setFailure] = useState<AppError | null>(null);
  const minDate = status.data?.today ?? localTodayIso();

  // With a single plugin there is nothing to choose; with several, creating from the Credentials tab asks.
  const pluginChoices = plugins.data ?? [];
  const plugin = form.plugin || (pluginChoices.length === 1 ? pluginChoices[0].id : '');
  const askPlugin = mode === 'create' && !pluginId && pluginChoices.length > 1;

  const inputs = useMemo(() => {
    const known: readonly string[] =
      mode === 'edit' && !form.correctExpiry
        ? EDIT_WITHOUT_EXPIRY
        : mode === 'create' && !askPlugin
          ? FIELDS_BY_MODE.create.filter((f) => f !== 'plugin')
          : FIELDS_BY_MODE[mode];
    return INPUTS.filter(([field]) => known.includes(field));
  }, [mode, form.correctExpiry, askPlugin]);

  // The backend's check command judges the whole form; fields this mode does not show are ignored.
  const checkInput = useMemo<NewCredential>(
    () => ({
      name: form.name,
      description: form.description,
      plugin,
      clientId: form.clientId,
      clientSecret: mode === 'edit' ? '' : form.clientSecret,
      expiry: toExpiryInput(form.expiry),
    }),
    [form, plugin, mode],
  );
  const fm = useFormCheck({
    value: checkInput,
    enabled: open,
    queryKey: (settled) => keys.credentialCheck(settled, credential?.id),
    check: (settled) => commands.checkCredential(settled, credential?.id),
    fieldsOf,
    inputs,
    // An expiry chosen as a preset is always filled in; one given as a date once it is typed.
    filled: (field) =>
      field === 'expiry'
        ? form.expiry.choice !== 'date' || hasValue(form.expiry.date)
        : hasValue(form[field as 'name' | 'description' | 'plugin' | 'clientId' | 'clientSecret']),
  });
  const msg = fm.messages;

  const update = <K extends keyof CredentialForm>(key: K, value: CredentialForm[K]) => {
    setForm((f) => ({ ...f, [key]: value }));
    fm.edited();
  };
  const leave = (field: string) => () => fm.leave(field);

  const toSave = (): CredentialSave => {
    const expiry = toExpiryInput(form.expiry);
    if (mode === 'rotate' && credential) {
      return { mode, id: credential.id, rotation: { clientSecret: form.clientSecret, expiry } };
    }
    if (mode === 'edit' && credential) {
      const edit = { name: form.name, description: form.description, clientId: form.clientId };
      return { mode, id: credential.id, edit: { ...edit, expiry: form.correctExpiry ? expiry : null } };
    }
    return { mode: 'create', input: { ...checkInput, clientSecret: form.clientSecret } };
  };

  const onSubmit = (e: FormEvent) => {
    e.preventDefault();
    // This form can sit on top of the destination form; its submit must not reach that one.
    e.stopPropagation();
    if (save.isPending) return;
    setFailure(null);
    save.mutate(toSave(), {
      onSuccess: (saved) => onSaved(saved),
      onError: (err) => {
        if (!fm.refused(err)) setFailure(err);
      },
    });
  };

  const keychainDown = status.data?.keychain.available === false && mode !== 'edit';
  const pending = save.isPending;

  return (
    <Dialog
      open={open}
      onOpenChange={(_, data) => {
        if (!data.open && !pending) onClose();
      }}
    >
      <DialogSurface className={styles.surface} data-testid="credential-dialog" data-mode={mode}>
        <form onSubmit={onSubmit} noValidate>
          <DialogBody>
            <DialogTitle><Truncate text={titleFor(mode, credential)} /></DialogTitle>
            <DialogContent className={styles.form}>
              <Text className={styles.intro}>
                {INTRO[mode]}
              </Text>
              {keychainDown && failure?.code !== 'keychain_unavailable' && (
                <MessageBar className={styles.bar} intent="warning" layout="multiline">
                  <MessageBarBody>
                    <MessageBarTitle>Secrets cannot be stored right now</MessageBarTitle>
                    {status.data?.keychain.message}
                  </MessageBarBody>
                </MessageBar>
              )}
              {failure && (
                <MessageBar className={styles.bar} intent="error" layout="multiline" data-testid="credential-error">
                  <MessageBarBody>
                    <MessageBarTitle>
                      {failure.code === 'keychain_unavailable' ? 'The keychain refused the secret' : 'Not saved'}
                    </MessageBarTitle>
                    {failure.message}
                  </MessageBarBody>
                </MessageBar>
              )}
              {fm.otherMessages.length > 0 && (
                <MessageBar className={styles.bar} intent="error" layout="multiline">
                  <MessageBarBody>{fm.otherMessages.join(' ')}</MessageBarBody>
                </MessageBar>
              )}

              {mode !== 'rotate' && (
                <>
                  <FormField field="name" label="Name" controlId="cred-name" required error={msg.name}>
                    <Input
                      id="cred-name"
                      value={form.name}
                      onChange={(_, d) => update('name', d.value)}
                      onBlur={leave('name')}
                      placeholder="e.g. Dynamics production app"
                    />
                  </FormField>
                  <FormField field="description" label="Description" controlId="cred-description" error={msg.description}>
                    <Textarea
                      id="cred-description"
                      value={form.description}
                      onChange={(_, d) => update('description', d.value)}
                      onBlur={leave('description')}
                      resize="vertical"
                    />
                  </FormField>
                  {askPlugin && (
                    <FormField field="plugin" label="Plugin" controlId="cred-plugin" required error={msg.plugin}>
                      <Select id="cred-plugin" value={form.plugin} onChange={(_, d) => update('plugin', d.value)} onBlur={leave('plugin')}>
                        <option value="">Choose a plugin</option>
                        {pluginChoices.map((p) => (
                          <option key={p.id} value={p.id}>
                            {p.name}
                          </option>
                        ))}
                      </Select>
                    </FormField>
                  )}
                  <FormField
                    field="clientId"
                    label="Client ID"
                    controlId="cred-client-id"
                    required
                    error={msg.clientId}
                    hint="The Application (client) ID on the app registration's overview page: a GUID."
                  >
                    <Input
                      id="cred-client-id"
                      className={styles.mono}
                      value={form.clientId}
                      onChange={(_, d) => update('clientId', d.value)}
                      onBlur={leave('clientId')}
                      placeholder="00000000-0000-0000-0000-000000000000"
                      spellCheck={false}
                      autoComplete="off"
                    />
                  </FormField>
                </>
              )}

              {mode !== 'edit' && (
                <FormField
                  field="clientSecret"
                  label={mode === 'rotate' ? 'New client secret' : 'Client secret'}
                  controlId="cred-secret"
                  required
                  error={msg.clientSecret}
                  hint="Stored in this computer's keychain; Ferry never shows it again."
                >
                  <Input
                    id="cred-secret"
                    type="password"
                    value={form.clientSecret}
                    onChange={(_, d) => update('clientSecret', d.value)}
                    onBlur={leave('clientSecret')}
                    autoComplete="off"
                    spellCheck={false}
                  />
                </FormField>
              )}

              {mode === 'edit' && credential && (
                <Checkbox
                  id="cred-correct-expiry"
                  checked={form.correctExpiry}
                  onChange={(_, d) => update('correctExpiry', d.checked === true)}
                  label={`Correct the recorded expiry (now ${expiryDateText(credential.expiry)})`}
                />
              )}
              {(mode !== 'edit' || form.correctExpiry) && (
                <ExpiryFields
                  value={form.expiry}
                  onChange={(v) => update('expiry', v)}
                  onBlur={leave('expiry')}
                  error={msg.expiry}
                  minDate={minDate}
                />
              )}
            </DialogContent>
            <DialogActions>
              <Button appearance="secondary" onClick={onClose} disabled={pending}>
                Cancel
              </Button>
              <Button
                appearance="primary"
                type="submit"
                data-testid="credential-save"
                disabled={pending}
                icon={pending ? <Spinner size="tiny" /> : undefined}
              >
                {pending ? 'Saving…' : mode === 'rotate' ? 'Rotate secret' : 'Save'}
              </Button>
            </DialogActions>
          </DialogBody>
        </form>
      </DialogSurface>
    </Dialog>
  );
}
