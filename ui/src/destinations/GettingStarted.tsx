// The first steps, shown above the destinations until put away: each ticks when the backend
// says it is done (so they tick the same after a restart), and the step that later versions
// will bring (sending) is named as coming, with what to use until then (the preview).
import { Badge, Button, Caption1, Text, Tooltip, makeStyles, mergeClasses, tokens } from '@fluentui/react-components';
import { CheckmarkCircleFilled, CircleRegular, DismissRegular } from '@fluentui/react-icons';
import type { ReactNode } from 'react';
import type { GettingStarted as Steps } from '../api/types';

const useStyles = makeStyles({
  root: {
    display: 'flex',
    flexDirection: 'column',
    gap: tokens.spacingVerticalS,
    padding: `${tokens.spacingVerticalM} ${tokens.spacingHorizontalL}`,
    border: `${tokens.strokeWidthThin} solid ${tokens.colorNeutralStroke2}`,
    borderRadius: tokens.borderRadiusLarge,
    backgroundColor: tokens.colorNeutralBackground2,
  },
  head: { display: 'flex', alignItems: 'center', gap: tokens.spacingHorizontalS },
  title: { flexGrow: 1 },
  muted: { color: tokens.colorNeutralForeground3 },
  steps: {
    margin: 0,
    padding: 0,
    listStyle: 'none',
    display: 'grid',
    gridTemplateColumns: 'repeat(auto-fit, minmax(220px, 1fr))',
    gap: `${tokens.spacingVerticalS} ${tokens.spacingHorizontalL}`,
  },
  step: { display: 'grid', gridTemplateColumns: 'auto 1fr', columnGap: tokens.spacingHorizontalS, alignItems: 'start' },
  icon: { fontSize: '20px', marginTop: '1px' },
  done: { color: tokens.colorPaletteGreenForeground1 },
  todo: { color: tokens.colorNeutralForeground3 },
  text: { display: 'flex', flexDirection: 'column', gap: tokens.spacingVerticalXXS, alignItems: 'flex-start', minWidth: 0 },
  sandbox: { display: 'flex', alignItems: 'center', flexWrap: 'wrap', gap: tokens.spacingHorizontalM },
  coming: { display: 'flex', alignItems: 'center', flexWrap: 'wrap', gap: tokens.spacingHorizontalS },
  // The later steps in order, as one line: "Import customer data → Build a template → …".
  comingList: {
    margin: 0,
    padding: 0,
    listStyle: 'none',
    display: 'flex',
    flexWrap: 'wrap',
    gap: tokens.spacingHorizontalS,
    '& > li:not(:last-child)::after': { content: '"→"', marginLeft: tokens.spacingHorizontalS, color: tokens.colorNeutralForeground3 },
  },
});

interface Step {
  id: string;
  title: string;
  how: string;
  /** `undefined` for steps of screens that are not here yet. */
  done?: boolean;
}

export interface GettingStartedProps {
  steps: Steps;
  /** The button that adds the Local sandbox back, when the backend offers it. */
  sandboxButton: ReactNode;
  /** Whether a data template exists (the templates list says so; the steps record does not). */
  hasTemplate: boolean;
  onDismiss: () => void;
}

export function GettingStarted({ steps, sandboxButton, hasTemplate, onDismiss }: GettingStartedProps) {
  const styles = useStyles();
  const list: Step[] = [
    {
      id: 'destination',
      title: 'Add a destination',
      how: 'A Dynamics 365 environment, or the local sandbox to try Ferry.',
      done: steps.hasDestination,
    },
    {
      id: 'test',
      title: 'Test the connection',
      how: 'Test connection on a row signs in; the row keeps the result.',
      done: steps.connectionTested,
    },
    {
      id: 'tables',
      title: 'Browse its tables',
      how: 'In a row’s … menu, Browse tables shows its tables and columns.',
      done: steps.tablesBrowsed,
    },
    {
      id: 'import',
      title: 'Import customer data',
      how: 'Data tab, Import CSV. Demo customers are there to try things first.',
      done: steps.dataImported,
    },
    {
      id: 'template',
      title: 'Build a data template',
      how: 'Add data template, in a destination’s … menu, picks a table and says which column goes where. Preview on its row shows each request.',
      done: hasTemplate,
    },
    {
      id: 'send',
      title: 'Send to Dynamics',
      how: 'Send, on a template’s row, writes its rows to Dynamics; the History tab keeps each row’s outcome.',
      done: steps.hasSent,
    },
  ];
  const available = list.filter((s) => s.done !== undefined);
  const doneCount = available.filter((s) => s.done).length;

  return (
    <section className={styles.root} aria-labelledby="getting-started-title" data-testid="getting-started">
      <div className={styles.head}>
        <Text id="getting-started-title" as="h3" weight="semibold" size={400} className={styles.title}>
          Getting started
        </Text>
        <Caption1 className={styles.muted} data-testid="getting-started-progress">
          {`${doneCount} of ${available.length} done`}
        </Caption1>
        <Button
          appearance="subtle"
          size="small"
          icon={<DismissRegular />}
          onClick={onDismiss}
          data-testid="getting-started-dismiss"
        >
          Hide
        </Button>
      </div>
      <ol className={styles.steps}>
        {list
          .filter((s) => s.done !== undefined)
          .map((s) => (
            <li key={s.id} className={styles.step} data-testid={`step-${s.id}`} data-done={String(s.done)}>
              {s.done ? (
                <CheckmarkCircleFilled className={mergeClasses(styles.icon, styles.done)} aria-label="Done" />
              ) : (
                <CircleRegular className={mergeClasses(styles.icon, styles.todo)} aria-label="To do" />
              )}
              <div className={styles.text}>
                <Text weight="semibold">{s.title}</Text>
                <Caption1 className={styles.muted}>{s.how}</Caption1>
              </div>
            </li>
          ))}
      </ol>
      {list.some((s) => s.done === undefined) && (
        <div className={styles.coming}>
          <Badge appearance="outline" color="informative" size="small">
            Still to come
          </Badge>
          <ol className={styles.comingList}>
            {list
              .filter((s) => s.done === undefined)
              .map((s) => (
                <li key={s.id} data-testid={`step-${s.id}`} data-done="coming">
                  <Tooltip content={s.how} relationship="description">
                    <Caption1 className={styles.muted} tabIndex={0}>
                      {s.title}
                    </Caption1>
                  </Tooltip>
                </li>
              ))}
          </ol>
          <Caption1 className={styles.muted} data-testid="getting-started-preview-note">
            Until then, Preview on a template’s row shows every request exactly as Dynamics would receive it.
          </Caption1>
        </div>
      )}
      {sandboxButton && (
        <div className={styles.sandbox}>
          <Caption1 className={styles.muted}>
            The local sandbox runs inside Ferry and acts like Dynamics, so you can try every step without a tenant.
          </Caption1>
          {sandboxButton}
        </div>
      )}
    </section>
  );
}
