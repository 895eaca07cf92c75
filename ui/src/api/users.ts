// TanStack Query keys, reads and writes for who is acting (the user menu) and for the users
// themselves (the Users tab), plus the permissions every screen reads to hide what the acting
// user may not do. Hiding is a courtesy: the backend refuses those commands anyway.
import { useMutation, useQuery, useQueryClient, type QueryClient, type QueryKey } from '@tanstack/react-query';
import { useMemo } from 'react';
import { commands } from './ipc';
import { keys } from './queries';
import type { Action, Me, UserInput, UserView } from './types';

export const userKeys = {
  me: () => [...keys.all, 'me'] as const,
  users: () => [...keys.all, 'users'] as const,
  userCheck: (input: UserInput, exceptId: string | undefined) => [...keys.checks(), 'user', input, exceptId ?? null] as const,
};

function isMeKey(key: QueryKey): boolean {
  const me = userKeys.me();
  return key.length === me.length && key.every((part, i) => part === me[i]);
}

/** The acting user and what their policy allows. */
export function useMe() {
  return useQuery({ queryKey: userKeys.me(), queryFn: commands.whoami });
}

export interface Permissions {
  /** The acting user, once whoami has answered. */
  me: Me | undefined;
  /** Whether the acting user may do `action`; false until whoami has answered. */
  can: (action: Action) => boolean;
}

/**
 * What the acting user may do, for hiding buttons and tabs. Until whoami answers nothing is
 * allowed, so a business user never sees an operator's buttons flash up and vanish.
 */
export function usePermissions(): Permissions {
  const { data } = useMe();
  return useMemo(() => {
    const allowed = new Set<Action>(data?.permissions ?? []);
    return { me: data, can: (action: Action) => allowed.has(action) };
  }, [data]);
}

export function useUsers(enabled = true) {
  return useQuery({ queryKey: userKeys.users(), queryFn: commands.listUsers, enabled });
}

/**
 * Acts as another user. Everything cached was read as the previous user, whose permissions and
 * PII access may differ, so the whole cache is dropped and read again as the new one (removed,
 * not just invalidated: stale rows must not stay on screen while the new ones load).
 *
 * NOTE: removed, not reset: a reset refetches at once for the screens still mounted, which
 * were rendered with the previous user's permissions, so a business user would ask for what
 * only the previous user may see (and the refusal would land in the activity log). Removed
 * queries are fetched again when the screens render for the new user.
 */
export function useSwitchUser() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (user: string) => commands.switchUser(user),
    onSuccess: (me) => {
      client.setQueryData(userKeys.me(), me);
      client.removeQueries({ predicate: (q) => !isMeKey(q.queryKey) });
      // whoami too, so the menu shows exactly what the backend now says.
      void client.invalidateQueries({ queryKey: userKeys.me() });
    },
  });
}

/** A change to a user may be a change to the acting one (their policy, their PII access). */
function invalidateUsers(client: QueryClient) {
  return Promise.all([
    client.invalidateQueries({ queryKey: userKeys.users() }),
    client.invalidateQueries({ queryKey: userKeys.me() }),
    client.invalidateQueries({ queryKey: keys.checks() }),
  ]);
}

export function useSaveUser() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: ({ id, input }: { id: string | null; input: UserInput }): Promise<UserView> =>
      id ? commands.updateUser(id, input) : commands.createUser(input),
    onSuccess: () => invalidateUsers(client),
  });
}

export function useSetUserDisabled() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: ({ id, disabled }: { id: string; disabled: boolean }) => commands.setUserDisabled(id, disabled),
    onSuccess: () => invalidateUsers(client),
  });
}
