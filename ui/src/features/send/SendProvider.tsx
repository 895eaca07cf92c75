// Sending from anywhere in the window: the Destinations tab's templates, the preview, the
// History and the unfinished-jobs banner all open the one send dialog through `useSend()`.
// The provider also listens to the backend's send events for as long as the window is open, so
// a dialog opened late (or reopened) still knows how far its job got.
import { useQueryClient } from '@tanstack/react-query';
import { createContext, useContext, useEffect, useMemo, useState, type ReactNode } from 'react';
import { JobEvents, JobEventsContext } from '../../api/jobs';
import type { JobView, TemplateView } from '../../api/types';
import { SendDialog, type SendRequest } from './SendDialog';

export interface Send {
  /** Asks to send a template's rows (the dialog says what will happen first). */
  send: (template: TemplateView) => void;
  /** Asks to carry on with an unfinished job. */
  resume: (job: JobView) => void;
  /** Asks to send a job's rejected and failed rows again. */
  retry: (job: JobView) => void;
}

const SendContext = createContext<Send | null>(null);

/** Sending, or null outside the window's provider (a tab rendered alone, in a test): nothing offers to send then. */
export function useSend(): Send | null {
  return useContext(SendContext);
}

export function SendProvider({ onOpenHistory, children }: { onOpenHistory: (job: string) => void; children: ReactNode }) {
  const client = useQueryClient();
  const [store] = useState(() => new JobEvents(client));
  useEffect(() => store.start(), [store]);
  const [dialog, setDialog] = useState<{ open: boolean; key: number; request?: SendRequest }>({ open: false, key: 0 });
  const api = useMemo<Send>(() => {
    const open = (request: SendRequest) => setDialog((s) => ({ open: true, key: s.key + 1, request }));
    return {
      send: (template) => open({ kind: 'send', template }),
      resume: (job) => open({ kind: 'resume', job }),
      retry: (job) => open({ kind: 'retry', job }),
    };
  }, []);
  const close = () => setDialog((s) => ({ ...s, open: false }));
  return (
    <JobEventsContext.Provider value={store}>
      <SendContext.Provider value={api}>
        {children}
        {dialog.key > 0 && dialog.request && (
          <SendDialog
            key={dialog.key}
            open={dialog.open}
            request={dialog.request}
            onClose={close}
            onOpenHistory={(job) => {
              close();
              onOpenHistory(job);
            }}
          />
        )}
      </SendContext.Provider>
    </JobEventsContext.Provider>
  );
}
