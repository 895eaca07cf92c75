// TanStack Query keys, reads and writes for every backend command the screens use.
import { useMutation, useQuery, useQueryClient, type QueryClient } from '@tanstack/react-query';
import { commands } from './ipc';
import type {
  AppError,
  CredentialEdit,
  CredentialView,
  DestinationInput,
  DestinationView,
  NewCredential,
  SecretRotation,
} from './types';

declare module '@tanstack/react-query' {
  // Every command rejects with an AppError (ipc.ts guarantees it), so queries say so.
  interface Register {
    defaultError: AppError;
  }
}

export const keys = {
  all: ['ferry'] as const,
  appStatus: () => [...keys.all, 'appStatus'] as const,
  plugins: () => [...keys.all, 'plugins'] as const,
  credentials: () => [...keys.all, 'credentials'] as const,
  destinations: () => [...keys.all, 'destinations'] as const,
  checks: () => [...keys.all, 'check'] as const,
  destinationCheck: (input: DestinationInput, exceptId: string | undefined) =>
    [...keys.checks(), 'destination', input, exceptId ?? null] as const,
  credentialCheck: (input: NewCredential, exceptId: string | undefined) =>
    [...keys.checks(), 'credential', input, exceptId ?? null] as const,
};

export function useAppStatus() {
  return useQuery({ queryKey: keys.appStatus(), queryFn: commands.appStatus });
}

export function usePlugins() {
  // The registry is compiled into the backend, so one fetch per session is enough.
  return useQuery({
    queryKey: keys.plugins(),
    queryFn: () => commands.listPlugins(''),
    staleTime: Infinity,
  });
}

export function useCredentials() {
  return useQuery({ queryKey: keys.credentials(), queryFn: commands.listCredentials });
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
    client.invalidateQueries({ queryKey: keys.checks() }),
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

export function useCreateCredential() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (input: NewCredential) => commands.createCredential(input),
    onSuccess: (saved) => {
      upsertCached(client, saved);
      return invalidateLists(client);
    },
  });
}

export function useUpdateCredential(id: string) {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (edit: CredentialEdit) => commands.updateCredential(id, edit),
    onSuccess: (saved) => {
      upsertCached(client, saved);
      return invalidateLists(client);
    },
  });
}

export function useRotateSecret(id: string) {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (rotation: SecretRotation) => commands.rotateSecret(id, rotation),
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
