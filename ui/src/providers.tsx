// The context every screen needs: Fluent's theme, the query cache and the toaster.
import { FluentProvider, Toaster, webLightTheme } from '@fluentui/react-components';
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import type { ReactNode } from 'react';
import { TOASTER_ID } from './lib/notify';

export function createQueryClient() {
  return new QueryClient({
    defaultOptions: {
      // The backend is a local process: a failure is an answer, not a flaky network worth retrying.
      queries: { retry: false, refetchOnWindowFocus: false, staleTime: 30_000 },
      mutations: { retry: false },
    },
  });
}

export function AppProviders({ client, children }: { client: QueryClient; children: ReactNode }) {
  return (
    <FluentProvider theme={webLightTheme} style={{ height: '100%' }}>
      <QueryClientProvider client={client}>
        {children}
        <Toaster toasterId={TOASTER_ID} position="bottom-end" />
      </QueryClientProvider>
    </FluentProvider>
  );
}
