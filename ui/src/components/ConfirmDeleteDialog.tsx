// The "are you sure?" dialog for deletes; shows the backend's refusal (e.g. in_use) inside it.
import {
  Button,
  Dialog,
  DialogActions,
  DialogBody,
  DialogContent,
  DialogSurface,
  DialogTitle,
  MessageBar,
  MessageBarBody,
  Spinner,
} from '@fluentui/react-components';
import type { ReactNode } from 'react';
import type { AppError } from '../api/types';
import { Truncate } from './Truncate';

export interface ConfirmDeleteDialogProps {
  open: boolean;
  title: string;
  children: ReactNode;
  pending: boolean;
  error: AppError | null;
  onConfirm: () => void;
  onCancel: () => void;
}

export function ConfirmDeleteDialog({ open, title, children, pending, error, onConfirm, onCancel }: ConfirmDeleteDialogProps) {
  return (
    <Dialog
      open={open}
      modalType="alert"
      onOpenChange={(_, data) => {
        if (!data.open && !pending) onCancel();
      }}
    >
      <DialogSurface data-testid="confirm-dialog">
        <DialogBody>
          <DialogTitle><Truncate text={title} /></DialogTitle>
          <DialogContent>
            {children}
            {error && (
              <MessageBar intent="error" layout="multiline" data-testid="delete-error" style={{ marginTop: 12 }}>
                <MessageBarBody>{error.message}</MessageBarBody>
              </MessageBar>
            )}
          </DialogContent>
          <DialogActions>
            <Button appearance="secondary" data-testid="confirm-cancel" onClick={onCancel} disabled={pending}>
              {error?.code === 'in_use' ? 'Close' : 'Cancel'}
            </Button>
            {error?.code !== 'in_use' && (
              <Button
                appearance="primary"
                data-testid="confirm-delete"
                onClick={onConfirm}
                disabled={pending}
                icon={pending ? <Spinner size="tiny" /> : undefined}
              >
                {pending ? 'Deleting…' : 'Delete'}
              </Button>
            )}
          </DialogActions>
        </DialogBody>
      </DialogSurface>
    </Dialog>
  );
}
