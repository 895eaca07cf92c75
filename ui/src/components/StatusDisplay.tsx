// The one way Ferry shows the outcome of something that ran (a connection test now; sends and
// jobs later): an icon, a short text and when, with the full message on hover and focus.
import { Caption1, Spinner, Tooltip, makeStyles, mergeClasses, tokens } from '@fluentui/react-components';
import { CheckmarkCircleFilled, CircleRegular, ErrorCircleFilled, WarningFilled } from '@fluentui/react-icons';
import { formatAgo, formatDateTime } from '../lib/format';
import { useNow } from '../lib/useNow';

export type StatusTone = 'ok' | 'error' | 'warning' | 'running' | 'none';

export interface StatusInfo {
  tone: StatusTone;
  /** A few words: "Connected", "Sign-in failed", "Not tested yet". */
  label: string;
  /** Unix seconds when it happened, if it did. */
  at?: number | null;
  /** The whole message, shown on hover and focus. */
  detail?: string;
}

const useStyles = makeStyles({
  root: {
    display: 'inline-grid',
    gridTemplateColumns: 'auto minmax(0, 1fr)',
    columnGap: tokens.spacingHorizontalXS,
    alignItems: 'center',
    maxWidth: '100%',
    borderRadius: tokens.borderRadiusSmall,
    ':focus-visible': { outline: `${tokens.strokeWidthThick} solid ${tokens.colorStrokeFocus2}` },
  },
  icon: { fontSize: '16px', display: 'flex' },
  ok: { color: tokens.colorPaletteGreenForeground1 },
  error: { color: tokens.colorPaletteRedForeground1 },
  warning: { color: tokens.colorPaletteMarigoldForeground1 },
  none: { color: tokens.colorNeutralForeground3 },
  // `clip` as in Truncate, so WebDriver reads the text.
  label: { whiteSpace: 'nowrap', overflow: 'clip', textOverflow: 'ellipsis' },
  when: { gridColumn: 2, color: tokens.colorNeutralForeground3, whiteSpace: 'nowrap', overflow: 'clip', textOverflow: 'ellipsis' },
});

function Icon({ tone }: { tone: StatusTone }) {
  const styles = useStyles();
  switch (tone) {
    case 'ok':
      return <CheckmarkCircleFilled className={mergeClasses(styles.icon, styles.ok)} aria-hidden />;
    case 'error':
      return <ErrorCircleFilled className={mergeClasses(styles.icon, styles.error)} aria-hidden />;
    case 'warning':
      return <WarningFilled className={mergeClasses(styles.icon, styles.warning)} aria-hidden />;
    case 'running':
      return <Spinner size="extra-tiny" aria-hidden />;
    case 'none':
      return <CircleRegular className={mergeClasses(styles.icon, styles.none)} aria-hidden />;
  }
}

export function StatusDisplay({ status, testId }: { status: StatusInfo; testId?: string }) {
  const styles = useStyles();
  const now = useNow(30_000);
  const { tone, label, at, detail } = status;
  const when = at ? formatAgo(at, now) : null;
  const tip = [detail, at ? formatDateTime(at) : null].filter(Boolean).join(' — ');
  const body = (
    <span
      className={styles.root}
      data-testid={testId}
      data-tone={tone}
      // Focusable only when there is more to read, so keyboard users can reach the message.
      tabIndex={tip ? 0 : undefined}
      aria-label={[label, when, detail].filter(Boolean).join('. ')}
    >
      <Icon tone={tone} />
      <span className={styles.label}>{label}</span>
      {when && <Caption1 className={styles.when}>{when}</Caption1>}
    </span>
  );
  return tip ? (
    // The accessible name already carries the message; the tooltip is for eyes.
    <Tooltip content={tip} relationship="inaccessible">
      {body}
    </Tooltip>
  ) : (
    body
  );
}
