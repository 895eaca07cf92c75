// The banner at start-up when sends were left unfinished (Ferry or the computer stopped
// mid-send): each job with how far it got and a Resume button, a link to the History, and
// Dismiss. Resuming does not send delivered rows again.
//
// Test ids: `unfinished-banner`, `unfinished-job` (with data-job), `unfinished-resume`,
// `unfinished-history`, `unfinished-dismiss`.
import {
  Button,
  Link,
  MessageBar,
  MessageBarActions,
  MessageBarBody,
  MessageBarTitle,
  makeStyles,
  tokens,
} from '@fluentui/react-components';
import { DismissRegular } from '@fluentui/react-icons';
import { useState } from 'react';
import { useUnfinishedJobs } from '../../api/jobs';
import { formatDateTime } from '../../lib/format';
import { doneOf } from '../send/SendDialog';
import { useSend } from '../send/SendProvider';
import { count, rows } from '../send/sendText';

/** Jobs named in the banner; the History lists the rest. */
const SHOWN = 3;

const useStyles = makeStyles({
  stack: { padding: `${tokens.spacingVerticalS} ${tokens.spacingHorizontalXXL} 0` },
  list: { margin: `${tokens.spacingVerticalXS} 0`, paddingLeft: 0, listStyle: 'none', display: 'flex', flexDirection: 'column', gap: tokens.spacingVerticalXS },
  item: { display: 'flex', alignItems: 'center', gap: tokens.spacingHorizontalS, flexWrap: 'wrap' },
});

export function UnfinishedJobsBanner({ onOpenHistory }: { onOpenHistory: () => void }) {
  const styles = useStyles();
  const unfinished = useUnfinishedJobs();
  const send = useSend();
  const [dismissed, setDismissed] = useState(false);
  const jobs = unfinished.data ?? [];
  if (dismissed || jobs.length === 0) return null;
  const more = jobs.length - SHOWN;
  return (
    <div className={styles.stack}>
      <MessageBar intent="warning" layout="multiline" data-testid="unfinished-banner">
        <MessageBarBody>
          <MessageBarTitle>
            {jobs.length === 1 ? 'A send was left unfinished' : `${jobs.length} sends were left unfinished`}
          </MessageBarTitle>
          Ferry stopped before {jobs.length === 1 ? 'it' : 'they'} ended. Resuming sends the rows not yet dealt with; rows
          already delivered are not sent again.
          <ul className={styles.list}>
            {jobs.slice(0, SHOWN).map((j) => (
              <li key={j.id} className={styles.item} data-testid="unfinished-job" data-job={j.id}>
                <span>
                  “{j.template.name}” to {j.destination.name}, started {formatDateTime(j.createdAt)}: {count(doneOf(j.counts))}
                  {j.total !== null ? ` of ${rows(j.total)}` : ' rows'} dealt with.
                </span>
                <Button size="small" data-testid="unfinished-resume" onClick={() => send?.resume(j)}>
                  Resume
                </Button>
              </li>
            ))}
          </ul>
          {more > 0 && `And ${more} more. `}
          <Link as="button" onClick={onOpenHistory} data-testid="unfinished-history">
            See them in the History
          </Link>
        </MessageBarBody>
        <MessageBarActions
          containerAction={
            <Button
              appearance="transparent"
              aria-label="Dismiss"
              icon={<DismissRegular />}
              onClick={() => setDismissed(true)}
              data-testid="unfinished-dismiss"
            />
          }
        />
      </MessageBar>
    </div>
  );
}
