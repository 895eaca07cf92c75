// Shared pieces for a tab's body: its heading row, empty state, list table head and name cell,
// the loading spinner and the load-failure message.
import {
  Button,
  Caption1,
  MessageBar,
  MessageBarActions,
  MessageBarBody,
  MessageBarTitle,
  Spinner,
  TableHeader,
  TableHeaderCell,
  TableRow,
  Text,
  Title2,
  Tooltip,
  makeStyles,
  mergeClasses,
  tokens,
  useRestoreFocusTarget,
} from '@fluentui/react-components';
import type { ReactElement, ReactNode } from 'react';
import type { AppError } from '../api/types';

export const usePageStyles = makeStyles({
  page: {
    display: 'flex',
    flexDirection: 'column',
    gap: tokens.spacingVerticalL,
    padding: `${tokens.spacingVerticalL} ${tokens.spacingHorizontalXXL} ${tokens.spacingVerticalXXL}`,
  },
  header: { display: 'flex', alignItems: 'flex-end', justifyContent: 'space-between', gap: tokens.spacingHorizontalL },
  headerText: { display: 'flex', flexDirection: 'column', gap: tokens.spacingVerticalXXS },
  title: { margin: 0 },
  muted: { color: tokens.colorNeutralForeground3 },
  lead: { color: tokens.colorNeutralForeground2 },
  mono: { fontFamily: tokens.fontFamilyMonospace, fontSize: tokens.fontSizeBase200 },
  cellStack: { display: 'flex', flexDirection: 'column', gap: tokens.spacingVerticalXXS, paddingBlock: tokens.spacingVerticalS, minWidth: 0 },
  wrap: { overflowWrap: 'anywhere' },
  actions: { display: 'flex', gap: tokens.spacingHorizontalXS, justifyContent: 'flex-end', whiteSpace: 'nowrap' },
  actionsHeader: { width: '100%', textAlign: 'end', color: tokens.colorNeutralForeground3 },
  badges: { display: 'flex', flexWrap: 'wrap', gap: tokens.spacingHorizontalXS, alignItems: 'center' },
  empty: {
    display: 'flex',
    flexDirection: 'column',
    alignItems: 'flex-start',
    gap: tokens.spacingVerticalM,
    maxWidth: '640px',
    padding: tokens.spacingHorizontalXXL,
    border: `${tokens.strokeWidthThin} dashed ${tokens.colorNeutralStroke1}`,
    borderRadius: tokens.borderRadiusLarge,
    backgroundColor: tokens.colorNeutralBackground2,
  },
  emptyList: { margin: 0, paddingLeft: tokens.spacingHorizontalXL, display: 'flex', flexDirection: 'column', gap: tokens.spacingVerticalXS },
  center: { padding: tokens.spacingVerticalXXXL },
  notices: { display: 'flex', flexDirection: 'column', gap: tokens.spacingVerticalS },
});

export function PageHeader({ title, lead, action }: { title: string; lead: string; action?: ReactNode }) {
  const styles = usePageStyles();
  return (
    <div className={styles.header}>
      <div className={styles.headerText}>
        <Title2 as="h2" className={styles.title}>
          {title}
        </Title2>
        <Text className={styles.lead}>{lead}</Text>
      </div>
      {action}
    </div>
  );
}

export function Loading({ label }: { label: string }) {
  const styles = usePageStyles();
  return <Spinner className={styles.center} label={label} data-testid="loading" />;
}

export function LoadFailed({ what, error, onRetry }: { what: string; error: AppError; onRetry: () => void }) {
  return (
    <MessageBar intent="error" layout="multiline" data-testid="load-error">
      <MessageBarBody>
        <MessageBarTitle>{`Could not load ${what}`}</MessageBarTitle>
        {error.message}
      </MessageBarBody>
      <MessageBarActions>
        <Button onClick={onRetry}>Try again</Button>
      </MessageBarActions>
    </MessageBar>
  );
}

/** What to do when a list is empty: a title, an explanation and the action that fills it. */
export function EmptyState({ testId, title, action, children }: { testId: string; title: string; action: ReactNode; children: ReactNode }) {
  const styles = usePageStyles();
  return (
    <div className={styles.empty} data-testid={testId}>
      <Text weight="semibold" size={400}>
        {title}
      </Text>
      {children}
      {action}
    </div>
  );
}

/** A list's column headings; the last one ("Actions") is right-aligned over the row buttons. */
export function ListTableHeader({ columns }: { columns: { label: string; width: string }[] }) {
  const styles = usePageStyles();
  return (
    <TableHeader>
      <TableRow>
        {columns.map((c) => (
          <TableHeaderCell key={c.label} style={{ width: c.width }}>
            {c.label === 'Actions' ? <span className={styles.actionsHeader}>{c.label}</span> : c.label}
          </TableHeaderCell>
        ))}
      </TableRow>
    </TableHeader>
  );
}

/** A record's name in bold with its description, if any, muted underneath. */
export function NameCell({ name, description }: { name: string; description: string }) {
  const styles = usePageStyles();
  return (
    <div className={styles.cellStack}>
      <Text weight="semibold" className={styles.wrap}>
        {name}
      </Text>
      {description && <Caption1 className={mergeClasses(styles.muted, styles.wrap)}>{description}</Caption1>}
    </div>
  );
}

/**
 * An icon-only row button whose label is its tooltip. Focus returns to it when the dialog it
 * opens closes, so keyboard users stay on their row.
 */
export function RowAction({ label, icon, testId, onClick, busy }: { label: string; icon: ReactElement; testId: string; onClick: () => void; busy?: boolean }) {
  const restoreFocus = useRestoreFocusTarget();
  return (
    <Tooltip content={label} relationship="label">
      <Button
        appearance="subtle"
        icon={busy ? <Spinner size="tiny" /> : icon}
        data-testid={testId}
        data-testing={busy ? 'true' : undefined}
        disabledFocusable={busy}
        onClick={onClick}
        {...restoreFocus}
      />
    </Tooltip>
  );
}
