// TanStack Query keys, reads and writes for every backend command the screens use.
import { useMutation, useQuery, useQueryClient, type QueryClient } from '@tanstack/react-query';
import { commands } from './ipc';
import { usePermissions } from './users';
import type {
  AppError,
  CredentialEdit,
  CredentialView,
  DestinationInput,
  DestinationView,
  NewCredential,
  SecretRotation,
  TableColumns,
  TableList,
} from './types';

declare module '@tanstack/react-query' {
  // Every command rejects with an AppError (ipc.ts guarantees it), so queries say so.
  interface Register {
    defaultError: AppError;
  }
}

/**
 * Query keys sit in the cache's index for as long as the entry lives, so a typed secret never
 * goes into one: the key carries a short fingerprint that changes whenever the secret does.
 */
function fingerprint(secret: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < secret.length; i++) {
    h ^= secret.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return `${secret.length}:${(h >>> 0).toString(16)}`;
}

export const keys = {
  all: ['ferry'] as const,
  appStatus: () => [...keys.all, 'appStatus'] as const,
  buildInfo: () => [...keys.all, 'buildInfo'] as const,
  plugins: () => [...keys.all, 'plugins'] as const,
  credentials: () => [...keys.all, 'credentials'] as const,
  destinations: () => [...keys.all, 'destinations'] as const,
  gettingStarted: () => [...keys.all, 'gettingStarted'] as const,
  checks: () => [...keys.all, 'check'] as const,
  destinationCheck: (input: DestinationInput, exceptId: string | undefined) =>
    [...keys.checks(), 'destination', input, exceptId ?? null] as const,
  credentialCheck: (input: NewCredential, exceptId: string | undefined) =>
    [...keys.checks(), 'credential', { ...input, clientSecret: fingerprint(input.clientSecret) }, exceptId ?? null] as const,
  /** What Ferry knows of destinations' Dataverse tables (answers of list_tables and table_columns). */
  metadata: () => [...keys.all, 'metadata'] as const,
  destinationMetadata: (id: string) => [...keys.metadata(), id] as const,
  tableList: (id: string) => [...keys.destinationMetadata(id), 'tables'] as const,
  tableColumns: (id: string, table: string) => [...keys.destinationMetadata(id), 'columns', table] as const,
};

export function useAppStatus() {
  return useQuery({ queryKey: keys.appStatus(), queryFn: commands.appStatus });
}

/** The version and commit of this build, for the About box; they never change while it runs. */
export function useBuildInfo(enabled: boolean) {
  return useQuery({ queryKey: keys.buildInfo(), queryFn: commands.buildInfo, enabled, staleTime: Infinity });
}

export function usePlugins() {
  // The registry is compiled into the backend, so one fetch per session is enough.
  return useQuery({
    queryKey: keys.plugins(),
    queryFn: () => commands.listPlugins(''),
    staleTime: Infinity,
  });
}

/** The credentials, for users who may see them; nobody else asks (the backend would refuse). */
export function useCredentials() {
  const { can } = usePermissions();
  return useQuery({
    queryKey: keys.credentials(),
    queryFn: commands.listCredentials,
    enabled: can('readCredentials'),
  });
}

export function useDestinations() {
  return useQuery({ queryKey: keys.destinations(), queryFn: commands.listDestinations });
}

/**
 * Credentials and destinations show each other (names, expiry, "used by"), and the start-up
 * banner lists both, so any write refreshes all three lists.
 */
function invalidateLists(client: QueryClient) {
  return Promise.all([
    client.invalidateQueries({ queryKey: keys.destinations() }),
    client.invalidateQueries({ queryKey: keys.credentials() }),
    client.invalidateQueries({ queryKey: keys.appStatus() }),
    client.invalidateQueries({ queryKey: keys.gettingStarted() }),
    client.invalidateQueries({ queryKey: keys.checks() }),
    // An edited destination may point somewhere else now; a deleted one has no tables.
    client.invalidateQueries({ queryKey: keys.metadata() }),
  ]);
}

export function useSaveDestination(id: string | undefined) {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (input: DestinationInput): Promise<DestinationView> =>
      id ? commands.updateDestination(id, input) : commands.createDestination(input),
    onSuccess: () => invalidateLists(client),
  });
}

export function useDeleteDestination() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (id: string) => commands.deleteDestination(id),
    onSuccess: () => invalidateLists(client),
  });
}

/** Puts a just-saved credential into the cached list so a select can show it before the refetch lands. */
function upsertCached(client: QueryClient, saved: CredentialView) {
  client.setQueryData<CredentialView[]>(keys.credentials(), (old) =>
    old ? [...old.filter((c) => c.id !== saved.id), saved] : [saved],
  );
}

/** The three ways a credential dialog can save. */
export type CredentialSave =
  | { mode: 'create'; input: NewCredential }
  | { mode: 'edit'; id: string; edit: CredentialEdit }
  | { mode: 'rotate'; id: string; rotation: SecretRotation };

function saveCredential(save: CredentialSave): Promise<CredentialView> {
  switch (save.mode) {
    case 'create':
      return commands.createCredential(save.input);
    case 'edit':
      return commands.updateCredential(save.id, save.edit);
    case 'rotate':
      return commands.rotateSecret(save.id, save.rotation);
  }
}

export function useSaveCredential() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: saveCredential,
    // The variables hold the secret; drop the finished mutation as soon as its dialog is gone.
    gcTime: 0,
    onSuccess: (saved) => {
      upsertCached(client, saved);
      return invalidateLists(client);
    },
  });
}

export function useDeleteCredential() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (id: string) => commands.deleteCredential(id),
    onSuccess: () => invalidateLists(client),
  });
}

/**
 * Signs in to a saved destination and asks WhoAmI. The backend keeps the outcome as the
 * destination's last test, so the list (and the first steps) are read again either way.
 */
export function useTestConnection() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (id: string) => commands.testConnection(id),
    onSettled: () =>
      Promise.all([
        client.invalidateQueries({ queryKey: keys.destinations() }),
        client.invalidateQueries({ queryKey: keys.gettingStarted() }),
      ]),
  });
}

export function useGettingStarted() {
  return useQuery({ queryKey: keys.gettingStarted(), queryFn: commands.gettingStarted });
}

/** Puts the first steps away (or shows them again); the choice is kept by the backend. */
export function useDismissGettingStarted() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (dismissed: boolean) => commands.setGettingStartedDismissed(dismissed),
    onSuccess: () => client.invalidateQueries({ queryKey: keys.gettingStarted() }),
  });
}

/** Adds the Local sandbox destination back. */
export function useRestoreSandbox() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: () => commands.restoreDemoDestination(),
    onSuccess: () => invalidateLists(client),
  });
}

/** After the tables browser closes: "Browse tables" may now be done. */
export function useRefreshGettingStarted() {
  const client = useQueryClient();
  return () => void client.invalidateQueries({ queryKey: keys.gettingStarted() });
}

/** The same for a destination form's unsaved settings; `exceptId` is the destination being edited. */
export function useTestConnectionInput(exceptId: string | undefined) {
  return useMutation({
    mutationFn: (input: DestinationInput) => commands.testConnectionInput(input, exceptId),
    gcTime: 0,
  });
}

/**
 * Reads come from the backend's local metadata cache (cheap), so they are always stale here: a
 * reopened browser asks again and learns truthfully that its answer came from that cache.
 */
export function useTables(id: string, enabled = true) {
  return useQuery({
    queryKey: keys.tableList(id),
    queryFn: () => commands.listTables(id, false),
    enabled,
    staleTime: 0,
  });
}

export function useTableColumns(id: string, table: string | null, enabled = true) {
  return useQuery({
    queryKey: keys.tableColumns(id, table ?? ''),
    queryFn: () => commands.tableColumns(id, table ?? '', false),
    enabled: enabled && table !== null,
    staleTime: 0,
  });
}

/** Asks Dataverse again for the table list and, if given, one table's columns, and caches the answers. */
export function useRefreshTables(id: string) {
  const client = useQueryClient();
  return useMutation({
    mutationFn: async (table: string | null) => {
      // A slower read from the local cache must not land on top of the fresh answer.
      await client.cancelQueries({ queryKey: keys.destinationMetadata(id) });
      const [list, columns] = await Promise.all([
        commands.listTables(id, true).then((l) => {
          client.setQueryData<TableList>(keys.tableList(id), l);
          return l;
        }),
        table
          ? commands.tableColumns(id, table, true).then((c) => {
              client.setQueryData<TableColumns>(keys.tableColumns(id, table), c);
              return c;
            })
          : Promise.resolve(null),
      ]);
      return { list, columns };
    },
  });
}
