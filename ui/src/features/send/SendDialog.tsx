// The send dialog: first what will happen (which rows, which table, which operation) and a
// button to start; then the send's progress from the backend's events (rows done of the total,
// rows per second, time left, a note while Dynamics makes Ferry wait), its counts by outcome and
// a Cancel button; then, when the run ends, a summary with a link to the job in the History.
// The same dialog resumes an unfinished job and retries a job's failed rows.
//
// Test ids: `send-dialog`, `send-confirm-text`, `send-start`, `send-close`, `send-error`,
// `send-progress` (with data-done and data-total), `send-progress-text`, `send-rate`,
// `send-eta`, `send-waiting`, `send-count-<delivered|rejected|failed|invalid>`, `send-cancel`,
// `send-hide`, `send-summary` (with data-state, data-done and data-total), `send-open-history`.
import {
  Badge,
  Button,
  Dialog,
  DialogActions,
  DialogBody,
  DialogContent,
  DialogSurface,
  DialogTitle,
  MessageBar,
  MessageBarBody,
  MessageBarTitle,
  ProgressBar,
  Spinner,
  Text,
  makeStyles,
  tokens,
} from '@fluentui/react-components';
import { useContext, useState } from 'react';
import { JobEventsContext, useCancelJob, useJob, useJobEvents, useStartJob, type ReceivedProgress } from '../../api/jobs';
import { useRowSources, useSourceRowCount } from '../../api/templates';
import { usePermissions } from '../../api/users';
import type { AppError, JobCounts, JobView, TemplateView } from '../../api/types';
import { Truncate } from '../../components/Truncate';
import { useNow } from '../../lib/useNow';
import { formatDuration } from '../../lib/format';
import { STATE_TEXT, count, operationText, roughDuration, rows, sourceText } from './sendText';

/** What the dialog was opened for. */
export type SendRequest =
  | { kind: 'send'; template: TemplateView }
  | { kind: 'resume'; job: JobView }
  | { kind: 'retry'; job: JobView };

const useStyles = makeStyles({
  surface: { width: '640px', maxWidth: 'calc(100vw - 48px)' },
  content: { display: 'flex', flexDirection: 'column', gap: tokens.spacingVerticalM },
  figures: { display: 'flex', flexWrap: 'wrap', gap: tokens.spacingHorizontalL, color: tokens.colorNeutralForeground2 },
  counts: { display: 'flex', flexWrap: 'wrap', gap: tokens.spacingHorizontalS },
  muted: { color: tokens.colorNeutralForeground3 },
});

function jobCounts(c: JobCounts | ReceivedProgress) {
  return { delivered: c.delivered, rejected: c.rejected, failed: c.failed, invalid: c.invalid };
}

/** The rows a job has dealt with. */
export function doneOf(c: JobCounts): number {
  return c.delivered + c.rejected + c.failed + c.invalid;
}

function title(req: SendRequest): string {
  switch (req.kind) {
    case 'send':
      return `Send “${req.template.name}”`;
    case 'resume':
      return `Resume sending “${req.job.template.name}”`;
    case 'retry':
      return `Retry the failed rows of “${req.job.template.name}”`;
  }
}

/** What will happen, said before anything is sent. */
function ConfirmText({ req }: { req: SendRequest }) {
  const { can } = usePermissions();
  // NOTE: asked only of users who may read the source: a refusal would land in the activity log.
  const countable =
    req.kind === 'send' && can(req.template.source.kind === 'query' ? 'runQueries' : 'readSegments') ? req.template.source : null;
  const source = useSourceRowCount(countable);
  const sources = useRowSources();
  if (req.kind === 'send') {
    const t = req.template;
    const n = source.data;
    const howMany = n === undefined ? 'every row' : n === 0 ? 'the rows (none right now)' : `all ${rows(n)}`;
    return (
      <Text data-testid="send-confirm-text">
        Ferry will read {howMany} of {sourceText(t.source, sources.nameOf(t.source))} and {operationText(t.mapping.operation, t.table)} in{' '}
        {t.destination.name}. Rows whose mapping has errors are not sent; the preview shows them. You can cancel at any time:
        rows already sent stay sent, and the job can be resumed from the History.
      </Text>
    );
  }
  const j = req.job;
  if (req.kind === 'resume') {
    const done = doneOf(j.counts);
    return (
      <Text data-testid="send-confirm-text">
        Ferry will carry on with job {j.id}: {count(done)}
        {j.total !== null ? ` of ${rows(j.total)}` : ' rows'} were dealt with before it stopped. It sends the rest to{' '}
        {j.table} in {j.destination.name} and does not send delivered rows again.
      </Text>
    );
  }
  const again = j.counts.rejected + j.counts.failed;
  return (
    <Text data-testid="send-confirm-text">
      Ferry will send the {rows(again)} job {j.id} could not deliver to {j.table} in {j.destination.name} again, as a new job.
      It reads them afresh from {sourceText(j.source, j.sourceName)}, so fix their data there (or the template&apos;s mapping)
      first: rows sent with the same values are refused for the same reasons.
    </Text>
  );
}

function Counts({ c }: { c: ReturnType<typeof jobCounts> }) {
  const styles = useStyles();
  return (
    <div className={styles.counts} role="group" aria-label="Rows by outcome">
      <Badge appearance="tint" color="success" data-testid="send-count-delivered">
        {count(c.delivered)} delivered
      </Badge>
      <Badge appearance="tint" color="danger" data-testid="send-count-rejected">
        {count(c.rejected)} rejected
      </Badge>
      <Badge appearance="tint" color="warning" data-testid="send-count-failed">
        {count(c.failed)} failed
      </Badge>
      <Badge appearance="tint" color="informative" data-testid="send-count-invalid">
        {count(c.invalid)} not sent (mapping errors)
      </Badge>
    </div>
  );
}

/** The running send: the bar, the figures, the wait note and the counts. */
function Running({ job, progress }: { job: JobView; progress?: ReceivedProgress }) {
  const styles = useStyles();
  const now = useNow(500);
  const done = progress ? progress.done : doneOf(job.counts);
  const total = progress ? progress.total : job.total;
  const waiting = progress?.waiting ?? null;
  // NOTE: `now` ticks on its own clock and may be a moment older than the report.
  const waited = progress ? Math.max(0, now - progress.receivedAt) / 1000 : 0;
  const waitLeft = waiting ? Math.max(0, Math.ceil(waiting.seconds - waited)) : 0;
  return (
    <>
      <ProgressBar
        thickness="large"
        value={total ? Math.min(done, total) : undefined}
        max={total || undefined}
        aria-label="Rows sent"
        aria-valuetext={total ? `${count(done)} of ${rows(total)}` : `${rows(done)} so far`}
        data-testid="send-progress"
        data-done={done}
        data-total={total ?? ''}
      />
      <div className={styles.figures} aria-live="polite">
        <Text weight="semibold" data-testid="send-progress-text">
          {total !== null && total !== undefined
            ? `${count(done)} of ${rows(total)}`
            : `${rows(done)} so far (the source is still being read)`}
        </Text>
        {progress && (
          <Text data-testid="send-rate">
            {count(Math.round(progress.rowsPerSecond))} rows/s
            {progress.rowsPerRequest !== null && ` · ${count(progress.rowsPerRequest)} a request`}
          </Text>
        )}
        {progress?.etaSeconds !== null && progress?.etaSeconds !== undefined && (
          <Text data-testid="send-eta">about {roughDuration(progress.etaSeconds * 1000)} left</Text>
        )}
      </div>
      {waiting && (
        <MessageBar intent="warning" layout="multiline" data-testid="send-waiting" role="status">
          <MessageBarBody>
            <MessageBarTitle>Waiting {waitLeft > 0 ? `${waitLeft} s` : 'a moment'}</MessageBarTitle>
            {waiting.reason}. Ferry goes on by itself; nothing is lost while it waits.
          </MessageBarBody>
        </MessageBar>
      )}
      <Counts c={progress ? jobCounts(progress) : jobCounts(job.counts)} />
    </>
  );
}

/** How the run ended. */
function Summary({ job, error }: { job?: JobView; error?: AppError }) {
  const styles = useStyles();
  if (!job) {
    return (
      <MessageBar intent="error" layout="multiline" data-testid="send-error">
        <MessageBarBody>
          <MessageBarTitle>The send stopped</MessageBarTitle>
          {error?.message}
        </MessageBarBody>
      </MessageBar>
    );
  }
  const c = job.counts;
  const undelivered = c.rejected + c.failed + c.invalid;
  const intent = error || job.state === 'stopped' ? 'error' : job.state === 'finished' && undelivered === 0 ? 'success' : 'warning';
  const head =
    job.state === 'finished'
      ? undelivered === 0
        ? `Every row was delivered`
        : `Finished: ${rows(undelivered)} not delivered`
      : `${STATE_TEXT[job.state]}: ${rows(doneOf(c))} dealt with`;
  return (
    <>
      <MessageBar
        intent={intent}
        layout="multiline"
        data-testid="send-summary"
        data-state={job.state}
        data-done={doneOf(c)}
        data-total={job.total ?? ''}
      >
        <MessageBarBody>
          <MessageBarTitle>{head}</MessageBarTitle>
          {error?.message ?? job.error ?? ''}
          {job.state === 'cancelled' && 'Rows already sent stay sent. Resume the job from the History to send the rest.'}
        </MessageBarBody>
      </MessageBar>
      <Counts c={jobCounts(c)} />
      <Text className={styles.muted}>
        {c.created > 0 || c.updated > 0 ? `${count(c.created)} created, ${count(c.updated)} updated. ` : ''}
        Took {formatDuration(job.elapsedMs)}. The History keeps a receipt for every row.
      </Text>
    </>
  );
}

export interface SendDialogProps {
  open: boolean;
  request: SendRequest;
  onClose: () => void;
  /** Opens the History at this job. */
  onOpenHistory: (job: string) => void;
}

export function SendDialog({ open, request, onClose, onOpenHistory }: SendDialogProps) {
  const styles = useStyles();
  const store = useContext(JobEventsContext);
  const start = useStartJob();
  const cancel = useCancelJob();
  const [job, setJob] = useState<JobView | null>(null);
  const events = useJobEvents(job?.id ?? null);
  // The job as the store has it once the run ended (the event's copy is a moment older).
  const after = useJob(events.finished ? (job?.id ?? null) : null);
  const ended = events.finished !== undefined;
  const running = job !== null && !ended;

  const begin = () => {
    // A resumed job's earlier end is forgotten first, so it does not read as this run's.
    if (request.kind === 'resume') store?.restart(request.job.id);
    start.mutate(
      request.kind === 'send'
        ? { kind: 'send', template: request.template.id }
        : { kind: request.kind, job: request.job.id },
      { onSuccess: setJob },
    );
  };

  // NOTE: a resumed job's copy cached from its earlier run would read as this run's end
  // until the store answers again; this run's own event has the right one meanwhile.
  const finalJob = (after.isFetchedAfterMount ? after.data : undefined) ?? events.finished?.job;

  return (
    <Dialog
      open={open}
      modalType={running ? 'alert' : 'modal'}
      onOpenChange={(_, d) => !d.open && !running && onClose()}
    >
      <DialogSurface className={styles.surface} data-testid="send-dialog">
        <DialogBody>
          <DialogTitle>
            <Truncate text={title(request)} />
          </DialogTitle>
          <DialogContent className={styles.content}>
            {!job && (
              <>
                <ConfirmText req={request} />
                {request.kind === 'send' && request.template.mapping.operation.kind === 'deleteByKey' && (
                  <MessageBar intent="warning" layout="multiline">
                    <MessageBarBody>Deleted records cannot be brought back from Ferry.</MessageBarBody>
                  </MessageBar>
                )}
                {start.error && (
                  <MessageBar intent="error" layout="multiline" data-testid="send-error">
                    <MessageBarBody>
                      <MessageBarTitle>The send did not start</MessageBarTitle>
                      {start.error.message}
                    </MessageBarBody>
                  </MessageBar>
                )}
              </>
            )}
            {job && !ended && <Running job={job} progress={events.progress} />}
            {job && !ended && cancel.data === false && (
              <Text className={styles.muted}>This window is not sending the job any more; it may have just ended.</Text>
            )}
            {job && ended && <Summary job={finalJob} error={events.finished?.error} />}
            {cancel.error && (
              <MessageBar intent="error" data-testid="send-cancel-error">
                <MessageBarBody>{cancel.error.message}</MessageBarBody>
              </MessageBar>
            )}
          </DialogContent>
          <DialogActions>
            {!job && (
              <>
                <Button
                  appearance="primary"
                  data-testid="send-start"
                  disabled={start.isPending}
                  icon={start.isPending ? <Spinner size="tiny" /> : undefined}
                  onClick={begin}
                >
                  {request.kind === 'send' ? 'Send' : request.kind === 'resume' ? 'Resume' : 'Send these rows again'}
                </Button>
                <Button data-testid="send-close" onClick={onClose}>
                  Cancel
                </Button>
              </>
            )}
            {running && (
              <>
                <Button
                  data-testid="send-cancel"
                  disabled={cancel.isPending || cancel.data === true}
                  onClick={() => cancel.mutate(job.id)}
                >
                  {cancel.data === true ? 'Stopping…' : 'Cancel sending'}
                </Button>
                <Button data-testid="send-hide" title="The send goes on; the History shows how far it got." onClick={onClose}>
                  Hide
                </Button>
              </>
            )}
            {job && ended && (
              <>
                <Button appearance="primary" data-testid="send-open-history" onClick={() => onOpenHistory(job.id)}>
                  Open in History
                </Button>
                <Button data-testid="send-close" onClick={onClose}>
                  Close
                </Button>
              </>
            )}
          </DialogActions>
        </DialogBody>
      </DialogSurface>
    </Dialog>
  );
}
