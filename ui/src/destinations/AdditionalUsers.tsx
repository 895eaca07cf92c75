// The destination form's "Additional application users": more credentials a send can spread a
// large load across, each its own app registration and so its own user and limits in Dynamics.
import { Caption1, Checkbox, makeStyles, tokens } from '@fluentui/react-components';
import { ErrorCircle12Filled } from '@fluentui/react-icons';
import type { FocusEvent } from 'react';
import type { CredentialView } from '../api/types';
import { expiryText } from '../lib/format';

/** The group's id: a refused save focuses it, so its label and message are read out first. */
export const EXTRA_CREDENTIALS_ID = 'dest-extra-credentials';

const useStyles = makeStyles({
  root: { display: 'flex', flexDirection: 'column', gap: tokens.spacingVerticalXS },
  hint: { color: tokens.colorNeutralForeground3 },
  list: { display: 'flex', flexDirection: 'column' },
  empty: { color: tokens.colorNeutralForeground2, paddingTop: tokens.spacingVerticalXS },
  error: {
    display: 'flex',
    gap: tokens.spacingHorizontalXS,
    alignItems: 'center',
    color: tokens.colorPaletteRedForeground1,
    fontSize: tokens.fontSizeBase200,
  },
});

export interface AdditionalUsersProps {
  /** The id of the heading that names the group. */
  labelledBy: string;
  /** Credentials that could be listed (the form's plugin's), in the order to show them. */
  credentials: CredentialView[];
  /** The main credential's id: never offered here, since it is the first user already. */
  mainId: string;
  /** Ids of the additional credentials, in the order they were ticked. */
  value: string[];
  onChange: (ids: string[]) => void;
  /** Called when focus leaves the whole group. */
  onLeave: () => void;
  /** The backend's message for `extraCredentials`. */
  error?: string;
  /** Whether this user may create credentials (says where to make one when there is none). */
  canAddCredential: boolean;
}

export function AdditionalUsers({ labelledBy, credentials, mainId, value, onChange, onLeave, error, canAddCredential }: AdditionalUsersProps) {
  const styles = useStyles();
  const offered = credentials.filter((c) => c.id !== mainId);
  const toggle = (id: string, on: boolean) => onChange(on ? [...value.filter((v) => v !== id), id] : value.filter((v) => v !== id));
  const onBlur = (e: FocusEvent<HTMLDivElement>) => {
    if (!e.currentTarget.contains(e.relatedTarget)) onLeave();
  };
  const describedBy = ['dest-extra-credentials-hint', error ? 'dest-extra-credentials-error' : ''].filter(Boolean).join(' ');

  return (
    <div className={styles.root}>
      <Caption1 id="dest-extra-credentials-hint" className={styles.hint}>
        Optional. Each credential here has its own client ID, so it is its own application user in Dynamics with its
        own service limits: sends spread large loads across all of them.
      </Caption1>
      <div
        id={EXTRA_CREDENTIALS_ID}
        role="group"
        tabIndex={-1}
        aria-labelledby={labelledBy}
        aria-describedby={describedBy}
        aria-invalid={error ? true : undefined}
        className={styles.list}
        onBlur={onBlur}
        data-testid="extra-credentials"
      >
        {offered.length === 0 ? (
          <Caption1 className={styles.empty} data-testid="extra-credentials-empty">
            {canAddCredential
              ? 'No other credential to add. Register another app in Azure, add it with “New credential” above, then tick it here.'
              : 'No other credential to add. Ask an operator to add a credential for another app registration.'}
          </Caption1>
        ) : (
          offered.map((c) => {
            const expired = c.expiry.level === 'expired';
            return (
              <Checkbox
                key={c.id}
                id={`dest-extra-credential-${c.id}`}
                checked={value.includes(c.id)}
                // NOTE: an expired credential already listed stays untickable, so it can be removed.
                disabled={expired && !value.includes(c.id)}
                onChange={(_, d) => toggle(c.id, d.checked === true)}
                label={`${c.name} — client ID ${c.clientId}${expired ? ' (expired)' : ` — ${expiryText(c.expiry)}`}`}
              />
            );
          })
        )}
      </div>
      {error && (
        <div id="dest-extra-credentials-error" className={styles.error} data-testid="error-extraCredentials">
          <ErrorCircle12Filled aria-hidden />
          <span>{error}</span>
        </div>
      )}
    </div>
  );
}
