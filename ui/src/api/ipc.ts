// The only module that talks to Tauri. Everything else calls `commands.*`.
import { invoke } from '@tauri-apps/api/core';
import type {
  AppError,
  AppStatus,
  ConnectionReport,
  CredentialEdit,
  CredentialView,
  DestinationInput,
  DestinationView,
  FieldError,
  FormCheck,
  GettingStarted,
  NewCredential,
  Plugin,
  SecretRotation,
  TableColumns,
  TableList,
} from './types';

/** Turns whatever a command rejected with into an AppError. */
export function asAppError(e: unknown): AppError {
  if (e && typeof e === 'object' && 'code' in e && 'message' in e) return e as AppError;
  return { code: 'internal', message: typeof e === 'string' ? e : 'Something went wrong.' };
}

async function call<T>(cmd: string, args?: Record<string, unknown>): Promise<T> {
  try {
    return await invoke<T>(cmd, args);
  } catch (e) {
    throw asAppError(e);
  }
}

export const commands = {
  appStatus: () => call<AppStatus>('app_status'),
  listPlugins: (filter = '') => call<Plugin[]>('list_plugins', { filter }),

  listCredentials: () => call<CredentialView[]>('list_credentials'),
  checkCredential: (input: NewCredential, exceptId?: string) =>
    call<FieldError[]>('check_credential', { input, exceptId: exceptId ?? null }),
  createCredential: (input: NewCredential) => call<CredentialView>('create_credential', { input }),
  updateCredential: (id: string, edit: CredentialEdit) =>
    call<CredentialView>('update_credential', { id, edit }),
  rotateSecret: (id: string, rotation: SecretRotation) =>
    call<CredentialView>('rotate_secret', { id, rotation }),
  deleteCredential: (id: string) => call<null>('delete_credential', { id }),

  listDestinations: () => call<DestinationView[]>('list_destinations'),
  checkDestination: (input: DestinationInput, exceptId?: string) =>
    call<FormCheck>('check_destination', { input, exceptId: exceptId ?? null }),
  createDestination: (input: DestinationInput) =>
    call<DestinationView>('create_destination', { input }),
  updateDestination: (id: string, input: DestinationInput) =>
    call<DestinationView>('update_destination', { id, input }),
  deleteDestination: (id: string) => call<null>('delete_destination', { id }),

  /** Signs in to a saved destination and asks WhoAmI. Network: seconds, not milliseconds. */
  testConnection: (id: string) => call<ConnectionReport>('test_connection', { id }),
  /** The same, for the dialog's unsaved settings (validation errors come back as on save). */
  testConnectionInput: (input: DestinationInput, exceptId?: string) =>
    call<ConnectionReport>('test_connection_input', { input, exceptId: exceptId ?? null }),
  /** The destination's tables; from the local cache unless `refresh`. */
  listTables: (id: string, refresh = false) => call<TableList>('list_tables', { id, refresh }),
  /** One table's columns, keys and lookups; from the local cache unless `refresh`. */
  tableColumns: (id: string, table: string, refresh = false) =>
    call<TableColumns>('table_columns', { id, table, refresh }),

  /** Which first steps are done, and whether the local sandbox can be added back. */
  gettingStarted: () => call<GettingStarted>('getting_started'),
  setGettingStartedDismissed: (dismissed: boolean) =>
    call<null>('set_getting_started_dismissed', { dismissed }),
  /** Adds the Local sandbox destination back after it was deleted. */
  restoreDemoDestination: () => call<DestinationView>('restore_demo_destination'),
};
