// The note above rows whose personal data the backend masked for the viewer (Restrict PII
// access). The masking itself happens in the backend; nothing here can undo it.
//
// Test id: `pii-hidden-note`.
import { MessageBar, MessageBarBody } from '@fluentui/react-components';

export function PiiHiddenNote() {
  return (
    <MessageBar intent="info" layout="multiline" data-testid="pii-hidden-note">
      <MessageBarBody>
        Personal data is hidden: values in columns marked PII show as •••• (PII) because your user has Restrict PII
        access.
      </MessageBarBody>
    </MessageBar>
  );
}
