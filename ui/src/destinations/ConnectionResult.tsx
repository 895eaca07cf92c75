// The outcome of a connection test (sign-in plus WhoAmI) as a message bar, with wording chosen by error code.
import { MessageBar, MessageBarBody, MessageBarTitle } from '@fluentui/react-components';
import type { AppError, ConnectionReport, ErrorCode } from '../api/types';

/** A finished test: the report, or the error it was refused with. */
export type ConnectionOutcome = { ok: true; report: ConnectionReport } | { ok: false; error: AppError };

const FAILURE_TITLES: Partial<Record<ErrorCode, string>> = {
  auth_failed: 'Sign-in failed',
  forbidden: 'Signed in, but Dynamics refused access',
  network: 'Dynamics could not be reached',
  throttled: 'Dynamics is busy',
  // Nothing was sent: the settings themselves were refused.
  validation: 'Not tested',
};

/** The heading for an error from Dynamics; `fallback` when the code has no wording of its own. */
export function failureTitle(code: ErrorCode, fallback = 'Connection test failed'): string {
  return FAILURE_TITLES[code] ?? fallback;
}

/** "Connected to … in 412 ms. Dataverse recommends 4 parallel requests." */
export function successText(r: ConnectionReport): string {
  const base = `Connected to ${r.webApiUrl} as application user ${r.userId} (organisation ${r.organizationId}) in ${r.elapsedMs} ms.`;
  return r.dopHint > 0
    ? `${base} Dataverse recommends ${r.dopHint} parallel ${r.dopHint === 1 ? 'request' : 'requests'}.`
    : base;
}

/** The result's heading: "Connection works", or the failure's by its code. */
export function outcomeTitle(outcome: ConnectionOutcome): string {
  return outcome.ok ? 'Connection works' : failureTitle(outcome.error.code);
}

/** The result's text: the success sentence, or the error's own message and any field messages it carries. */
export function OutcomeText({ outcome }: { outcome: ConnectionOutcome }) {
  if (outcome.ok) return <>{successText(outcome.report)}</>;
  const fields = outcome.error.fields ?? [];
  return (
    <>
      {outcome.error.message}
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
        <OutcomeText outcome={outcome} />
      </MessageBarBody>
    </MessageBar>
  );
}
