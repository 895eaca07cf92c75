// One app-wide toaster and a hook to announce finished actions ("Destination saved") on it.
import { Toast, ToastTitle, useToastController, type ToastIntent } from '@fluentui/react-components';
import { useCallback } from 'react';

export const TOASTER_ID = 'ferry-toaster';

export function useNotify() {
  const { dispatchToast } = useToastController(TOASTER_ID);
  return useCallback(
    (title: string, intent: ToastIntent = 'success') =>
      dispatchToast(
        <Toast data-testid="toast">
          <ToastTitle>{title}</ToastTitle>
        </Toast>,
        { intent, timeout: 4000 },
      ),
    [dispatchToast],
  );
}
