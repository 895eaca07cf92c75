// The outcome of a connection test (sign-in plus WhoAmI) as a message bar, with wording chosen by error code.
// A success leads with the organisation's name and what to do next; the ids sit behind a toggle.
import { Button, MessageBar, MessageBarBody, MessageBarTitle, makeStyles, tokens, useId } from '@fluentui/react-components';
import { useState, type ReactNode } from 'react';
import type { AppError, ConnectionReport } from '../api/types';

/** A finished test: the report, or the error it was refused with. */
export type ConnectionOutcome = { ok: true; report: ConnectionReport } | { ok: false; error: AppError };

const FAILURE_TITLES: Partial<Record<AppError['code'], string>> = {
  auth_failed: 'Sign-in failed',
  forbidden: 'Signed in, but Dynamics refused access',
  // Neutral on purpose: the sign-in host, the network or the organisation may be the one that failed; the message says which.
  network: 'Could not connect',
  throttled: 'Dynamics is busy',
  // Nothing was sent: the settings themselves were refused.
  validation: 'Not tested',
};

/** What to do after a test of a saved destination. */
export const NEXT_SAVED = 'Next, browse its tables to see the columns Ferry can fill in; templates will be built from them.';
/** What to do after a test of settings not saved yet. */
export const NEXT_UNSAVED = 'Save the destination, then browse its tables to see the columns Ferry can fill in.';

const useStyles = makeStyles({
  lead: { overflowWrap: 'anywhere' },
  toggle: { minWidth: 0, padding: 0, height: 'auto', verticalAlign: 'baseline' },
  details: {
    display: 'grid',
    gridTemplateColumns: 'max-content minmax(0, 1fr)',
    columnGap: tokens.spacingHorizontalM,
    rowGap: tokens.spacingVerticalXXS,
    margin: `${tokens.spacingVerticalXS} 0 0`,
    fontSize: tokens.fontSizeBase200,
  },
  term: { color: tokens.colorNeutralForeground3 },
  value: { margin: 0, fontFamily: tokens.fontFamilyMonospace, overflowWrap: 'anywhere' },
});

/** The heading for an error from Dynamics; `fallback` when the code has no wording of its own. */
export function failureTitle(code: AppError['code'], fallback = 'Connection test failed'): string {
  return FAILURE_TITLES[code] ?? fallback;
}

/** The organisation's host, e.g. contoso.crm4.dynamics.com, from the Web API root that answered. */
function hostOf(webApiUrl: string): string {
  try {
    return new URL(webApiUrl).host;
  } catch {
    return webApiUrl;
  }
}

/** "Contoso Sales (contoso.crm4.dynamics.com) accepted Ferry's sign-in in 412 ms." — the name first, the host when there is no name. */
export function successText(r: ConnectionReport): string {
  const host = hostOf(r.webApiUrl);
  const who = r.organizationName ? `${r.organizationName} (${host})` : host;
  const n = r.additionalUsers.length;
  const more = n === 0 ? '' : ` So did ${n === 1 ? 'the additional application user' : `all ${n} additional application users`}.`;
  return `${who} accepted Ferry’s sign-in in ${r.elapsedMs} ms.${more}`;
}

/** The result's heading: "Connection works", or the failure's by its code. */
export function outcomeTitle(outcome: ConnectionOutcome): string {
  return outcome.ok ? 'Connection works' : failureTitle(outcome.error.code);
}

/** The ids and figures a test learned, for admins and support: hidden until asked for. */
function ReportDetails({ report: r }: { report: ConnectionReport }) {
  const styles = useStyles();
  const [open, setOpen] = useState(false);
  const id = useId('connection-details');
  const rows: [string, string][] = [
    ['Organisation ID', r.organizationId],
    ['Application user ID', r.userId],
    ...r.additionalUsers.map((u): [string, string] => [`Application user ID (${u.credential.name})`, u.userId]),
    ['Business unit ID', r.businessUnitId],
    ['Web API', `${r.webApiUrl} (v${r.apiVersion})`],
  ];
  if (r.dopHint > 0) rows.push(['Parallel requests advised', String(r.dopHint)]);
  return (
    <>
      {' '}
      <Button
        appearance="transparent"
        size="small"
        className={styles.toggle}
        aria-expanded={open}
        aria-controls={id}
        data-testid="connection-details-toggle"
        onClick={() => setOpen((o) => !o)}
      >
        {open ? 'Hide details' : 'Show ids and details'}
      </Button>
      {open && (
        <dl id={id} className={styles.details} data-testid="connection-details">
          {rows.map(([term, value]) => (
            <div key={term} style={{ display: 'contents' }}>
              <dt className={styles.term}>{term}</dt>
              <dd className={styles.value}>{value}</dd>
            </div>
          ))}
        </dl>
      )}
    </>
  );
}

export interface OutcomeTextProps {
  outcome: ConnectionOutcome;
  /** On success, the sentence that says what the user can do next. */
  next?: ReactNode;
}

/** The result's text: the organisation and what to do next (ids behind a toggle), or the error's message and any field messages it does not already say. */
export function OutcomeText({ outcome, next }: OutcomeTextProps) {
  const styles = useStyles();
  if (outcome.ok) {
    return (
      <>
        <span className={styles.lead} data-testid="connection-summary">
          {successText(outcome.report)}
        </span>
        {next && <> {next}</>}
        <ReportDetails report={outcome.report} />
      </>
    );
  }
  const { message } = outcome.error;
  const fields = (outcome.error.fields ?? []).filter((f) => f.message !== message);
  return (
    <>
      {message}
      {fields.length > 0 && (
        <ul style={{ margin: '4px 0 0', paddingLeft: 20 }}>
          {fields.map((f) => (
            <li key={`${f.field}:${f.message}`}>{f.message}</li>
          ))}
        </ul>
      )}
    </>
  );
}

/** The result inside the destination dialog, next to its Test connection button. */
export function ConnectionResult({ outcome }: { outcome: ConnectionOutcome }) {
  return (
    <MessageBar
      intent={outcome.ok ? 'success' : 'error'}
      layout="multiline"
      data-testid="connection-result"
      data-outcome={outcome.ok ? 'ok' : 'error'}
      data-code={outcome.ok ? undefined : outcome.error.code}
    >
      <MessageBarBody>
        <MessageBarTitle>{outcomeTitle(outcome)}</MessageBarTitle>
        <OutcomeText outcome={outcome} next={NEXT_UNSAVED} />
      </MessageBarBody>
    </MessageBar>
  );
}
