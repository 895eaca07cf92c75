// The banners at the top of the window: a settings database that cannot be changed, keychain
// trouble and secrets that expire soon, from app_status.
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
import { useAppStatus } from '../api/queries';
import type { ExpiringCredential } from '../api/types';
import { expiryText, isUrgent, listNames } from '../lib/format';

const useStyles = makeStyles({
  stack: {
    display: 'flex',
    flexDirection: 'column',
    gap: tokens.spacingVerticalS,
    padding: `${tokens.spacingVerticalS} ${tokens.spacingHorizontalXXL} 0`,
  },
  list: { margin: `${tokens.spacingVerticalXS} 0`, paddingLeft: tokens.spacingHorizontalXL },
});

function usedByText(c: ExpiringCredential): string {
  return c.usedBy.length === 0 ? 'not used by any destination' : `used by ${listNames(c.usedBy.map((d) => d.name))}`;
}

/** `onOpenCredentials` is left out for users who cannot see the Credentials tab. */
export function StatusBanners({ onOpenCredentials }: { onOpenCredentials?: () => void }) {
  const styles = useStyles();
  const status = useAppStatus();
  const [expiringDismissed, setExpiringDismissed] = useState(false);

  if (status.isError) {
    return (
      <div className={styles.stack}>
        <MessageBar intent="error" data-testid="status-error">
          <MessageBarBody>
            <MessageBarTitle>Ferry could not check its keychain and secrets</MessageBarTitle>
            {status.error.message}{' '}
            <Link as="button" onClick={() => void status.refetch()}>
              Try again
            </Link>
          </MessageBarBody>
        </MessageBar>
      </div>
    );
  }
  if (!status.data) return null;

  const { keychain, expiring, dataFolderNotice } = status.data;
  const showExpiring = expiring.length > 0 && !expiringDismissed;
  if (keychain.available && !showExpiring && !dataFolderNotice) return null;
  const urgent = expiring.some((c) => isUrgent(c.expiry.level));

  return (
    <div className={styles.stack}>
      {dataFolderNotice && (
        <MessageBar intent="error" layout="multiline" data-testid="data-folder-banner">
          <MessageBarBody>
            <MessageBarTitle>The settings folder needs attention</MessageBarTitle>
            {dataFolderNotice}
          </MessageBarBody>
        </MessageBar>
      )}
      {!keychain.available && (
        <MessageBar intent="error" layout="multiline" data-testid="keychain-banner">
          <MessageBarBody>
            <MessageBarTitle>The keychain is not available</MessageBarTitle>
            {keychain.message}
          </MessageBarBody>
        </MessageBar>
      )}
      {showExpiring && (
        <MessageBar
          intent={urgent ? 'error' : 'warning'}
          data-intent={urgent ? 'error' : 'warning'}
          layout="multiline"
          data-testid="expiring-banner"
        >
          <MessageBarBody>
            <MessageBarTitle>
              {expiring.length === 1 ? 'A client secret needs replacing' : 'Client secrets need replacing'}
            </MessageBarTitle>
            <ul className={styles.list}>
              {expiring.map((c) => (
                <li key={c.id} data-testid="expiring-credential">
                  <strong>{c.name}</strong>: {expiryText(c.expiry)}, {usedByText(c)}.
                </li>
              ))}
            </ul>
            Create a new secret in Azure (App registrations → Certificates &amp; secrets), then choose Rotate
            secret on the Credentials tab.
          </MessageBarBody>
          <MessageBarActions
            containerAction={
              <Button
                appearance="transparent"
                aria-label="Dismiss the expiry notice"
                icon={<DismissRegular />}
                onClick={() => setExpiringDismissed(true)}
              />
            }
          >
            {onOpenCredentials && (
              <Button data-testid="open-credentials" onClick={onOpenCredentials}>
                Open Credentials
              </Button>
            )}
          </MessageBarActions>
        </MessageBar>
      )}
    </div>
  );
}
