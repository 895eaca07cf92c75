// The History tab: every send job the acting user may see, newest first, with its template,
// destination, source, who ran it, state, counts by outcome and duration; filtered by state
// and template name. A job opens in its detail (JobDetail.tsx) with its receipts.
//
// Test ids: `history-filter-state`, `history-filter-template`, `history-count`,
// `history-refresh`, `history-table`, `history-row` (with data-job and data-state),
// `history-open`, `history-empty`, `history-no-matches`, `history-go-destinations`.
import {
  Button,
  Caption1,
  Link,
  SearchBox,
  Select,
  Table,
  TableBody,
  TableCell,
  TableRow,
  Text,
  makeStyles,
  tokens,
} from '@fluentui/react-components';
import { ArrowClockwiseRegular, DocumentBulletListRegular } from '@fluentui/react-icons';
import { useState } from 'react';
import { useJobs } from '../../api/jobs';
import type { JobState } from '../../api/types';
import { FormField } from '../../components/FormField';
import {
  EmptyState,
  ListTableHeader,
  LoadFailed,
  Loading,
  PageHeader,
  usePageStyles,
  type ListColumn,
} from '../../components/PageStates';
import { Truncate } from '../../components/Truncate';
import { formatDateTime, formatDuration } from '../../lib/format';
import { STATE_TEXT } from '../send/sendText';
import { JobDetail } from './JobDetail';
import { CountsLine, StateBadge } from './jobParts';

const COLUMNS: ListColumn[] = [
  { label: 'Started', width: '13%' },
  { label: 'Template', width: '22%' },
  { label: 'Ran by', width: '10%' },
  { label: 'State', width: '10%' },
  { label: 'Rows', width: '27%' },
  { label: 'Duration', width: '8%' },
  { label: 'Actions', width: '10%' },
];

const STATES: JobState[] = ['running', 'finished', 'cancelled', 'interrupted', 'stopped'];

const useStyles = makeStyles({
  filters: { display: 'flex', gap: tokens.spacingHorizontalM, alignItems: 'flex-end', flexWrap: 'wrap' },
  filter: { width: '200px' },
  search: { width: '280px', maxWidth: '100%' },
});

export interface HistoryTabProps {
  /** A job to open at once (a send's "Open in History"). */
  initialJob?: string | null;
  /** Opens the Destinations tab, where templates are sent from. */
  onGoToDestinations: () => void;
}

export function HistoryTab({ initialJob = null, onGoToDestinations }: HistoryTabProps) {
  const styles = useStyles();
  const page = usePageStyles();
  const jobs = useJobs();
  const [state, setState] = useState<JobState | ''>('');
  const [text, setText] = useState('');
  const [open, setOpen] = useState<{ id: string | null; key: number }>({ id: initialJob, key: initialJob ? 1 : 0 });

  const all = jobs.data ?? [];
  const needle = text.trim().toLowerCase();
  const shown = all.filter(
    (j) => (state === '' || j.state === state) && (needle === '' || j.template.name.toLowerCase().includes(needle)),
  );
  const filtered = state !== '' || needle !== '';

  return (
    <div className={page.page}>
      <PageHeader
        title="History"
        lead="Every send with its outcome and a receipt for each row, newest first."
        action={
          <Button
            icon={<ArrowClockwiseRegular />}
            onClick={() => void jobs.refetch()}
            disabledFocusable={jobs.isFetching}
            data-testid="history-refresh"
          >
            Refresh
          </Button>
        }
      />
      {jobs.isPending && <Loading label="Reading the history…" />}
      {jobs.isError && <LoadFailed what="the history" error={jobs.error} onRetry={() => void jobs.refetch()} />}
      {jobs.data && all.length === 0 && (
        <EmptyState
          testId="history-empty"
          title="Nothing has been sent yet"
          action={
            <Button appearance="primary" onClick={onGoToDestinations} data-testid="history-go-destinations">
              Go to Destinations
            </Button>
          }
        >
          <Text>
            To send your first job, open the Destinations tab, find a data template under its destination and choose
            Send. Ferry asks before it sends, shows the progress, and lists the job here with a receipt for every row.
          </Text>
        </EmptyState>
      )}
      {jobs.data && all.length > 0 && (
        <>
          <div className={styles.filters} role="group" aria-label="Filters">
            <FormField field="state" label="State" controlId="history-filter-state">
              <Select
                id="history-filter-state"
                className={styles.filter}
                value={state}
                onChange={(_, d) => setState(d.value as JobState | '')}
                data-testid="history-filter-state"
              >
                <option value="">All states</option>
                {STATES.map((s) => (
                  <option key={s} value={s}>
                    {STATE_TEXT[s]}
                  </option>
                ))}
              </Select>
            </FormField>
            <FormField field="template" label="Template" controlId="history-filter-template">
              <SearchBox
                id="history-filter-template"
                className={styles.search}
                placeholder="Part of a template's name"
                value={text}
                onChange={(_, d) => setText(d.value)}
                input={{ 'data-testid': 'history-filter-template' } as never}
              />
            </FormField>
            <Caption1 className={page.muted} aria-live="polite" data-testid="history-count">
              {filtered ? `${shown.length} of ${all.length} jobs shown` : `${all.length} ${all.length === 1 ? 'job' : 'jobs'}`}
            </Caption1>
          </div>
          {shown.length === 0 ? (
            <div className={page.noMatches} role="status" data-testid="history-no-matches">
              <Text weight="semibold">No job matches these filters</Text>
              <Link
                as="button"
                onClick={() => {
                  setState('');
                  setText('');
                }}
              >
                Show every job
              </Link>
            </div>
          ) : (
            <Table aria-label="Send jobs" data-testid="history-table">
              <ListTableHeader columns={COLUMNS} />
              <TableBody>
                {shown.map((j) => (
                  <TableRow key={j.id} data-testid="history-row" data-job={j.id} data-state={j.state}>
                    <TableCell>
                      <div className={page.cellStack}>
                        <Text>{formatDateTime(j.createdAt)}</Text>
                        <Caption1 className={page.muted}>{j.id}</Caption1>
                      </div>
                    </TableCell>
                    <TableCell>
                      <div className={page.cellStack}>
                        <Text weight="semibold">
                          <Truncate text={j.template.name} testId="history-template" />
                        </Text>
                        <Caption1 className={page.muted}>
                          <Truncate
                            text={`${j.table} in ${j.destination.name}, from ${j.source.kind === 'query' ? 'query' : 'segment'} ${j.sourceName}`}
                          />
                        </Caption1>
                      </div>
                    </TableCell>
                    <TableCell>
                      <Truncate text={j.ranBy.name} />
                    </TableCell>
                    <TableCell>
                      <StateBadge state={j.state} />
                    </TableCell>
                    <TableCell>
                      <CountsLine job={j} />
                    </TableCell>
                    <TableCell>{formatDuration(j.elapsedMs)}</TableCell>
                    <TableCell>
                      <div className={page.actions}>
                        <Button
                          size="small"
                          icon={<DocumentBulletListRegular />}
                          aria-label={`Details of ${j.template.name}, ${formatDateTime(j.createdAt)}`}
                          data-testid="history-open"
                          onClick={() => setOpen((s) => ({ id: j.id, key: s.key + 1 }))}
                        >
                          Details
                        </Button>
                      </div>
                    </TableCell>
                  </TableRow>
                ))}
              </TableBody>
            </Table>
          )}
        </>
      )}
      {open.id && open.key > 0 && <JobDetail key={open.key} id={open.id} onClose={() => setOpen((s) => ({ ...s, id: null }))} />}
    </div>
  );
}
