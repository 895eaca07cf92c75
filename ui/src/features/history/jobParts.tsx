// Pieces the History list and a job's detail share: its state as a badge and its counts in a line.
import { Badge, Text, makeStyles, tokens } from '@fluentui/react-components';
import type { JobState, JobView } from '../../api/types';
import { usePageStyles } from '../../components/PageStates';
import { STATE_COLOR, STATE_TEXT, count } from '../send/sendText';

const useStyles = makeStyles({
  counts: { display: 'flex', flexWrap: 'wrap', columnGap: tokens.spacingHorizontalS, rowGap: '2px' },
  error: { color: tokens.colorPaletteRedForeground1 },
});

/** A job's counts in a line: "120 delivered (100 created, 20 updated) · 3 rejected · …". */
export function CountsLine({ job }: { job: JobView }) {
  const styles = useStyles();
  const page = usePageStyles();
  const c = job.counts;
  const split = c.created > 0 || c.updated > 0 ? ` (${count(c.created)} created, ${count(c.updated)} updated)` : '';
  return (
    <span className={styles.counts} data-testid="history-counts">
      <Text size={200}>
        {count(c.delivered)} delivered{split}
      </Text>
      <Text size={200} className={c.rejected > 0 ? styles.error : page.muted}>
        {count(c.rejected)} rejected
      </Text>
      <Text size={200} className={c.failed > 0 ? styles.error : page.muted}>
        {count(c.failed)} failed
      </Text>
      <Text size={200} className={page.muted}>
        {count(c.invalid)} not sent
      </Text>
      {job.total !== null && (
        <Text size={200} className={page.muted}>
          of {count(job.total)}
        </Text>
      )}
    </span>
  );
}

export function StateBadge({ state }: { state: JobState }) {
  return (
    <Badge appearance="tint" color={STATE_COLOR[state]} data-testid="job-state">
      {STATE_TEXT[state]}
    </Badge>
  );
}

