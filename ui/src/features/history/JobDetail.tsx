// One send job: what it sent where, for whom, how it stands, its counts, and its receipts a
// page at a time (index, key, outcome, the Dynamics record id and whether it was created or
// updated, the error code and message), filtered by outcome. From here a job is resumed, its
// failed rows retried (after fixing their data) and its undelivered rows exported as CSV.
//
// Test ids: `job-detail` (with data-job), `job-facts`, `job-error`, `job-resume`, `job-retry`,
// `job-retry-note`, `job-export`, `job-exported`, `job-export-error`, `receipts-filter`,
// `receipts-table`, `receipt-row` (with data-index and data-state), `receipt-record`,
// `receipts-range`, `receipts-prev`, `receipts-next`, `receipts-empty`, `receipts-pii-hidden`,
// `job-detail-close`.
import {
  Button,
  Caption1,
  Dialog,
  DialogActions,
  DialogBody,
  DialogContent,
  DialogSurface,
  DialogTitle,
  MessageBar,
  MessageBarBody,
  MessageBarTitle,
  Select,
  Spinner,
  Table,
  TableBody,
  TableCell,
  TableRow,
  Text,
  makeStyles,
  tokens,
} from '@fluentui/react-components';
import { ArrowDownloadRegular, ArrowRepeatAllRegular, PlayRegular } from '@fluentui/react-icons';
import { useState } from 'react';
import { RECEIPTS_PAGE_SIZE, useExportRejects, useJob, useReceipts } from '../../api/jobs';
import type { JobView, Receipt, RowState } from '../../api/types';
import { FormField } from '../../components/FormField';
import { ListTableHeader, LoadFailed, Loading, usePageStyles, type ListColumn } from '../../components/PageStates';
import { Truncate } from '../../components/Truncate';
import { formatDateTime, formatDuration } from '../../lib/format';
import { useSend } from '../send/SendProvider';
import { OUTCOME_TEXT, count, operationText, rows } from '../send/sendText';
import { CountsLine, StateBadge } from './jobParts';

const OUTCOMES: RowState[] = ['delivered', 'rejected', 'failed', 'invalid', 'inFlight'];

const RECEIPT_COLUMNS: ListColumn[] = [
  { label: 'Row', width: '7%' },
  { label: 'Key', width: '20%' },
  { label: 'Outcome', width: '11%' },
  { label: 'Record id', width: '26%' },
  { label: 'Created or updated', width: '11%' },
  { label: 'Error', width: '25%' },
];

const useStyles = makeStyles({
  surface: { width: '1100px', maxWidth: 'calc(100vw - 48px)' },
  content: { display: 'flex', flexDirection: 'column', gap: tokens.spacingVerticalM },
  facts: {
    margin: 0,
    display: 'grid',
    gridTemplateColumns: 'auto minmax(0, 1fr) auto minmax(0, 1fr)',
    columnGap: tokens.spacingHorizontalM,
    rowGap: tokens.spacingVerticalXXS,
  },
  term: { color: tokens.colorNeutralForeground3 },
  def: { margin: 0, minWidth: 0, overflowWrap: 'anywhere' },
  actions: { display: 'flex', flexWrap: 'wrap', gap: tokens.spacingHorizontalS, alignItems: 'center' },
  receiptsBar: { display: 'flex', alignItems: 'flex-end', justifyContent: 'space-between', gap: tokens.spacingHorizontalM },
  pager: { display: 'flex', alignItems: 'center', gap: tokens.spacingHorizontalS },
  mono: { fontFamily: tokens.fontFamilyMonospace, fontSize: tokens.fontSizeBase200, overflowWrap: 'anywhere' },
  scroll: { maxHeight: '360px', overflow: 'auto' },
});

function Facts({ job }: { job: JobView }) {
  const styles = useStyles();
  const facts: [string, string][] = [
    ['Destination', job.destination.name],
    ['Table', job.table],
    ['Source', `${job.source.kind === 'query' ? 'Saved query' : 'Segment'} “${job.sourceName}”`],
    ['Operation', operationText(job.operation, job.table)],
    ['Ran by', job.ranBy.name],
    ['Started', formatDateTime(job.createdAt)],
    ['Ended', job.finishedAt === null ? '—' : formatDateTime(job.finishedAt)],
    ['Time sending', formatDuration(job.elapsedMs)],
  ];
  if (job.retryOf) facts.push(['Retry of', job.retryOf]);
  return (
    <dl className={styles.facts} data-testid="job-facts">
      {facts.map(([k, v]) => (
        <div key={k} style={{ display: 'contents' }}>
          <dt className={styles.term}>{k}</dt>
          <dd className={styles.def}>{v}</dd>
        </div>
      ))}
    </dl>
  );
}

function createdText(r: Receipt): string {
  if (r.state !== 'delivered' || r.created === null) return '';
  return r.created ? 'Created' : 'Updated';
}

function Receipts({ job }: { job: JobView }) {
  const styles = useStyles();
  const page = usePageStyles();
  const [outcome, setOutcome] = useState<RowState | ''>('');
  const [n, setN] = useState(0);
  const states = outcome === '' ? [] : [outcome];
  const receipts = useReceipts(job.id, states, n);
  const data = receipts.data;
  const first = n * RECEIPTS_PAGE_SIZE;
  const pages = data ? Math.max(1, Math.ceil(data.total / RECEIPTS_PAGE_SIZE)) : 1;

  return (
    <section aria-label="Receipts" className={styles.content}>
      <div className={styles.receiptsBar}>
        <FormField field="outcome" label="Outcome" controlId="receipts-filter">
          <Select
            id="receipts-filter"
            value={outcome}
            onChange={(_, d) => {
              setOutcome(d.value as RowState | '');
              setN(0);
            }}
            data-testid="receipts-filter"
          >
            <option value="">Every row</option>
            {OUTCOMES.map((o) => (
              <option key={o} value={o}>
                {OUTCOME_TEXT[o]}
              </option>
            ))}
          </Select>
        </FormField>
        {data && data.total > 0 && (
          <div className={styles.pager}>
            <Caption1 aria-live="polite" data-testid="receipts-range">
              Rows {count(first + 1)}–{count(Math.min(first + RECEIPTS_PAGE_SIZE, data.total))} of {count(data.total)}
            </Caption1>
            <Button size="small" disabled={n === 0} onClick={() => setN(n - 1)} data-testid="receipts-prev">
              Previous
            </Button>
            <Button size="small" disabled={n + 1 >= pages} onClick={() => setN(n + 1)} data-testid="receipts-next">
              Next
            </Button>
          </div>
        )}
      </div>
      {data?.piiHidden && (
        <MessageBar intent="info" layout="multiline" data-testid="receipts-pii-hidden">
          <MessageBarBody>
            Personal data is hidden: keys made from columns marked PII show as •••• (PII), in the errors too, because your
            user has Restrict PII access.
          </MessageBarBody>
        </MessageBar>
      )}
      {receipts.isPending && <Spinner size="small" label="Reading receipts…" />}
      {receipts.isError && <LoadFailed what="the receipts" error={receipts.error} onRetry={() => void receipts.refetch()} />}
      {data && data.rows.length === 0 && (
        <Text className={page.muted} data-testid="receipts-empty">
          {outcome === '' ? 'No row has been sent yet.' : `No row is ${OUTCOME_TEXT[outcome].toLowerCase()}.`}
        </Text>
      )}
      {data && data.rows.length > 0 && (
        <div className={styles.scroll}>
          <Table size="small" aria-label="Receipts" data-testid="receipts-table">
            <ListTableHeader columns={RECEIPT_COLUMNS} />
            <TableBody>
              {data.rows.map((r) => (
                <TableRow key={r.index} data-testid="receipt-row" data-index={r.index} data-state={r.state}>
                  <TableCell>{count(r.index + 1)}</TableCell>
                  <TableCell>
                    <span className={styles.mono}>{r.key ?? '—'}</span>
                  </TableCell>
                  <TableCell>{OUTCOME_TEXT[r.state]}</TableCell>
                  <TableCell>
                    <span className={styles.mono} data-testid="receipt-record">
                      {r.recordId ?? ''}
                    </span>
                  </TableCell>
                  <TableCell>{createdText(r)}</TableCell>
                  <TableCell>
                    {(r.code || r.message) && (
                      <Truncate text={[r.code, r.message].filter(Boolean).join(': ')} lines={3} testId="receipt-error" />
                    )}
                  </TableCell>
                </TableRow>
              ))}
            </TableBody>
          </Table>
        </div>
      )}
    </section>
  );
}

export function JobDetail({ id, onClose }: { id: string; onClose: () => void }) {
  const styles = useStyles();
  const page = usePageStyles();
  const job = useJob(id);
  const send = useSend();
  const exporter = useExportRejects();
  const j = job.data;
  // NOTE: rows not sent for errors in their data are retried too: fixing that data is what a
  // retry is for, and the backend resends them with the rejected and failed ones.
  const retriable = j ? j.counts.rejected + j.counts.failed + j.counts.invalid : 0;
  const undelivered = retriable;

  return (
    <Dialog open onOpenChange={(_, d) => !d.open && onClose()}>
      <DialogSurface className={styles.surface} data-testid="job-detail" data-job={id}>
        <DialogBody>
          <DialogTitle>
            <Truncate text={j ? `“${j.template.name}”, ${formatDateTime(j.createdAt)}` : `Job ${id}`} />
          </DialogTitle>
          <DialogContent className={styles.content}>
            {job.isPending && <Loading label="Reading the job…" />}
            {job.isError && <LoadFailed what="the job" error={job.error} onRetry={() => void job.refetch()} />}
            {j && (
              <>
                <div className={styles.actions}>
                  <StateBadge state={j.state} />
                  <Caption1 className={page.muted}>{j.id}</Caption1>
                </div>
                {j.error && (
                  <MessageBar intent="error" layout="multiline" data-testid="job-error">
                    <MessageBarBody>
                      <MessageBarTitle>Why it stopped</MessageBarTitle>
                      {j.error}
                    </MessageBarBody>
                  </MessageBar>
                )}
                <Facts job={j} />
                <CountsLine job={j} />
                <div className={styles.actions}>
                  {j.resumable && (
                    <Button
                      appearance="primary"
                      icon={<PlayRegular />}
                      data-testid="job-resume"
                      onClick={() => {
                        onClose();
                        send?.resume(j);
                      }}
                    >
                      Resume
                    </Button>
                  )}
                  {retriable > 0 && (
                    <Button
                      icon={<ArrowRepeatAllRegular />}
                      data-testid="job-retry"
                      aria-describedby="job-retry-note"
                      disabled={j.state === 'running'}
                      onClick={() => {
                        onClose();
                        send?.retry(j);
                      }}
                    >
                      Retry failed rows
                    </Button>
                  )}
                  {undelivered > 0 && (
                    <Button
                      icon={exporter.isPending ? <Spinner size="tiny" /> : <ArrowDownloadRegular />}
                      data-testid="job-export"
                      disabled={exporter.isPending}
                      onClick={() => exporter.mutate(j.id)}
                    >
                      Export rejected rows (CSV)
                    </Button>
                  )}
                </div>
                {retriable > 0 && (
                  <Caption1 id="job-retry-note" className={page.muted} data-testid="job-retry-note">
                    Retrying sends the {rows(retriable)} that were rejected, failed or not sent as a new job. Ferry reads them again
                    from the source, so fix their data first: rows sent unchanged are refused for the same reasons.
                  </Caption1>
                )}
                {exporter.data !== undefined && exporter.data !== null && (
                  <MessageBar intent="success" data-testid="job-exported">
                    <MessageBarBody>
                      {rows(exporter.data)} written, each with its outcome, error code and reason.
                    </MessageBarBody>
                  </MessageBar>
                )}
                {exporter.error && (
                  <MessageBar intent="error" data-testid="job-export-error">
                    <MessageBarBody>{exporter.error.message}</MessageBarBody>
                  </MessageBar>
                )}
                <Receipts job={j} />
              </>
            )}
          </DialogContent>
          <DialogActions>
            <Button appearance="primary" onClick={onClose} data-testid="job-detail-close">
              Close
            </Button>
          </DialogActions>
        </DialogBody>
      </DialogSurface>
    </Dialog>
  );
}
