// A secret's expiry as a coloured badge with its date underneath, used in both tables.
import { Badge, Caption1, makeStyles, tokens } from '@fluentui/react-components';
import type { ExpiryStatus } from '../api/types';
import { expiryBadgeColor, expiryBadgeText, expiryText, formatDate } from '../lib/format';

const useStyles = makeStyles({
  root: { display: 'flex', flexDirection: 'column', alignItems: 'flex-start', gap: tokens.spacingVerticalXXS },
  muted: { color: tokens.colorNeutralForeground3 },
  badge: { whiteSpace: 'nowrap' },
});

export function ExpiryBadge({ expiry, showDate = true }: { expiry: ExpiryStatus; showDate?: boolean }) {
  const styles = useStyles();
  const expired = expiry.level === 'expired';
  return (
    <div className={styles.root}>
      <Badge
        className={styles.badge}
        title={expiry.summary}
        data-testid="expiry-badge"
        data-level={expiry.level}
        appearance={expired ? 'filled' : 'tint'}
        color={expiryBadgeColor(expiry.level)}
      >
        {expiryBadgeText(expiry)}
      </Badge>
      {showDate && expiry.expiresOn !== null && (
        <Caption1 className={styles.muted}>{expired ? expiryText(expiry) : formatDate(expiry.expiresOn)}</Caption1>
      )}
    </div>
  );
}
