// A template's Send button: it opens the send dialog, which says what will happen before
// anything is sent. When the acting user may not use the template, it stays focusable and
// says why in its tooltip.
//
// Test id: `template-send` (or the one given).
import { Button, Tooltip } from '@fluentui/react-components';
import { SendRegular } from '@fluentui/react-icons';
import type { TemplateView } from '../../api/types';
import { useSend } from './SendProvider';

export function SendButton({
  template,
  testId = 'template-send',
  appearance,
  onBeforeSend,
}: {
  template: TemplateView;
  testId?: string;
  appearance?: 'primary' | 'secondary';
  /** Runs before the dialog opens (e.g. to close the preview it was pressed in). */
  onBeforeSend?: () => void;
}) {
  const send = useSend();
  if (!send) return null;
  const button = (
    <Button
      size={appearance ? 'medium' : 'small'}
      appearance={appearance}
      icon={<SendRegular />}
      data-testid={testId}
      aria-label={`Send ${template.name}`}
      disabledFocusable={!!template.unavailable}
      onClick={() => {
        if (template.unavailable) return;
        onBeforeSend?.();
        send.send(template);
      }}
    >
      Send
    </Button>
  );
  return template.unavailable ? (
    <Tooltip content={template.unavailable} relationship="description">
      {button}
    </Tooltip>
  ) : (
    button
  );
}
