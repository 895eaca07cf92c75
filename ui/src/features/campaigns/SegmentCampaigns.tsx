// The Segments tab's campaign panel for a saved segment: its recent sends through templates open
// to campaigns, each with "Add to marketing list". Shown only to users who may add to lists.
//
// Test ids for end-to-end tests:
//   segment-campaigns (the panel), segment-campaigns-loading, segment-campaigns-error,
//   segment-campaigns-empty, segment-job (one send, data-job = its id),
//   segment-job-add-to-list (its button); the dialog's ids are in AddToListDialog.tsx
import { Button, Caption1, MessageBar, MessageBarBody, Spinner, Text, makeStyles, tokens } from '@fluentui/react-components';
import { PeopleListRegular } from '@fluentui/react-icons';
import { useState } from 'react';
import { useSegmentJobs, type JobView } from '../../api/campaigns';
import { usePermissions } from '../../api/users';
import { formatAgo, formatCount } from '../../lib/format';
import { AddToListDialog, recordsWord } from './AddToListDialog';

const useStyles = makeStyles({
  panel: {
    display: 'flex',
    flexDirection: 'column',
    gap: tokens.spacingVerticalS,
    padding: `${tokens.spacingVerticalM} ${tokens.spacingHorizontalL}`,
    border: `${tokens.strokeWidthThin} solid ${tokens.colorNeutralStroke2}`,
    borderRadius: tokens.borderRadiusLarge,
  },
  list: { listStyle: 'none', margin: 0, padding: 0, display: 'flex', flexDirection: 'column', gap: tokens.spacingVerticalS },
  job: { display: 'flex', alignItems: 'center', gap: tokens.spacingHorizontalM, flexWrap: 'wrap' },
  what: { flexGrow: 1, minWidth: 0, display: 'flex', flexDirection: 'column' },
  muted: { color: tokens.colorNeutralForeground3 },
});

/** The campaign panel for the saved segment `segmentId`, or nothing for a user who may not add to lists. */
export function SegmentCampaigns({ segmentId }: { segmentId: string }) {
  const styles = useStyles();
  const can = usePermissions().can('addToMarketingLists');
  const jobs = useSegmentJobs(segmentId);
  const [adding, setAdding] = useState<JobView | null>(null);
  if (!can) return null;

  return (
    <section className={styles.panel} data-testid="segment-campaigns" aria-labelledby="segment-campaigns-title">
      <Text weight="semibold" id="segment-campaigns-title">
        Campaigns
      </Text>
      {jobs.isPending && <Spinner size="tiny" label="Looking for this segment's sends…" data-testid="segment-campaigns-loading" />}
      {jobs.isError && (
        <MessageBar intent="error" data-testid="segment-campaigns-error">
          <MessageBarBody>
            {`The sends could not be read: ${jobs.error.message}`}{' '}
            <Button appearance="transparent" size="small" onClick={() => void jobs.refetch()}>
              Try again
            </Button>
          </MessageBarBody>
        </MessageBar>
      )}
      {jobs.data?.length === 0 && (
        <Text className={styles.muted} data-testid="segment-campaigns-empty">
          No sends of this segment through a template available to campaigns yet. Send it with such a template from the
          Destinations tab; the records it delivers can then be added to a marketing list here.
        </Text>
      )}
      {jobs.data && jobs.data.length > 0 && (
        <ul className={styles.list} aria-label="Recent campaign sends of this segment">
          {jobs.data.map((j) => (
            <li key={j.id} className={styles.job} data-testid="segment-job" data-job={j.id}>
              <span className={styles.what}>
                <Text>{`${j.template.name} → ${j.destination.name}`}</Text>
                <Caption1 className={styles.muted}>
                  {`${formatCount(j.counts.delivered)} ${recordsWord(j.table, j.counts.delivered)} delivered · ${formatAgo(j.createdAt)} · ${j.ranBy.name}`}
                </Caption1>
              </span>
              <Button icon={<PeopleListRegular />} onClick={() => setAdding(j)} data-testid="segment-job-add-to-list">
                Add to marketing list
              </Button>
            </li>
          ))}
        </ul>
      )}
      <AddToListDialog job={adding} onClose={() => setAdding(null)} />
    </section>
  );
}
