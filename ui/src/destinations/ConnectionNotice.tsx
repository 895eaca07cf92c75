// The Destinations tab's notice for one destination: "saved, test it?", a test in progress, or the test's outcome.
import {
  Button,
  MessageBar,
  MessageBarActions,
  MessageBarBody,
  MessageBarTitle,
  Spinner,
} from '@fluentui/react-components';
import { DismissRegular } from '@fluentui/react-icons';
import { type ConnectionOutcome, NEXT_SAVED, OutcomeText, outcomeTitle } from './ConnectionResult';
import { Truncate } from '../components/Truncate';

export interface NoticeState {
  destinationId: string;
  destinationName: string;
  /** Shown because the destination was just saved: offers the test until one runs. */
  saved: boolean;
  testing: boolean;
  /** The latest finished test, if any. */
  outcome: ConnectionOutcome | null;
}

export interface ConnectionNoticeProps {
  notice: NoticeState;
  onTest: () => void;
  onDismiss: () => void;
  /** After a successful test, opens the destination's tables: the next step, offered as a button when given. */
  onBrowseTables?: () => void;
}

/**
 * One MessageBar whose words change as the test goes, with its action button kept in place, so the
 * button someone pressed keeps keyboard focus while it turns into "Testing…" and then "Test again".
 */
export function ConnectionNotice({ notice, onTest, onDismiss, onBrowseTables }: ConnectionNoticeProps) {
  const { destinationName: name, saved, testing, outcome } = notice;
  const state = testing ? 'testing' : outcome ? 'result' : 'saved';
  const intent = state === 'testing' ? 'info' : state === 'saved' || outcome?.ok ? 'success' : 'error';
  const showButton = saved || state === 'result';
  const buttonTestId = state === 'result' ? 'connection-retest' : 'saved-test-connection';

  return (
    <MessageBar
      intent={intent}
      layout="multiline"
      icon={testing ? <Spinner size="extra-tiny" /> : undefined}
      data-testid={state === 'testing' ? 'connection-testing' : state === 'result' ? 'connection-result' : 'saved-notice'}
      data-outcome={state === 'result' && outcome ? (outcome.ok ? 'ok' : 'error') : undefined}
      data-code={state === 'result' && outcome && !outcome.ok ? outcome.error.code : undefined}
      data-destination={name}
    >
      <MessageBarBody>
        {state === 'saved' && (
          <>
            <MessageBarTitle>Destination saved</MessageBarTitle>
            {`“${name}” is saved. Test the connection to check that Ferry can sign in to Dynamics with it.`}
          </>
        )}
        {state === 'testing' && (
          <>
            <MessageBarTitle><Truncate text={`${name}: testing the connection…`} /></MessageBarTitle>
            Signing in and asking Dynamics who Ferry is; this can take a few seconds.
          </>
        )}
        {state === 'result' && outcome && (
          <>
            <MessageBarTitle><Truncate text={`${name}: ${outcomeTitle(outcome)}`} /></MessageBarTitle>
            <OutcomeText outcome={outcome} next={NEXT_SAVED} />
          </>
        )}
      </MessageBarBody>
      <MessageBarActions
        containerAction={
          <Button
            appearance="transparent"
            aria-label={`Dismiss the notice about ${name}`}
            icon={<DismissRegular />}
            onClick={onDismiss}
          />
        }
      >
        {state === 'result' && outcome?.ok && onBrowseTables && (
          <Button data-testid="connection-browse-tables" appearance="primary" onClick={onBrowseTables}>
            Browse tables
          </Button>
        )}
        {showButton && (
          <Button
            data-testid={buttonTestId}
            disabledFocusable={testing}
            icon={testing ? <Spinner size="tiny" /> : undefined}
            onClick={onTest}
          >
            {testing ? 'Testing…' : state === 'result' ? 'Test again' : 'Test connection'}
          </Button>
        )}
      </MessageBarActions>
    </MessageBar>
  );
}
