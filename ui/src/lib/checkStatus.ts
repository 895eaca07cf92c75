// A destination's last connection test as the status display shows it.
import type { StatusInfo } from '../components/StatusDisplay';
import type { ConnectionCheck, ErrorCode } from '../api/types';

/** A few words per failure code; the full message is in the tooltip. */
const FAILED: Record<ErrorCode, string> = {
  auth_failed: 'Sign-in failed',
  forbidden: 'Access refused',
  network: 'Not reachable',
  throttled: 'Too many requests',
  remote: 'Dynamics error',
  validation: 'Settings refused',
  not_found: 'Not found',
  in_use: 'Failed',
  keychain_unavailable: 'Keychain unavailable',
  internal: 'Failed',
  sql: 'Failed',
  write_refused: 'Failed',
  cancelled: 'Cancelled',
  timed_out: 'Timed out',
};

export function checkStatus(check: ConnectionCheck | null, testing = false): StatusInfo {
  if (testing) return { tone: 'running', label: 'Testing…', at: null };
  if (!check) return { tone: 'none', label: 'Not tested yet' };
  if (check.ok) return { tone: 'ok', label: 'Connected', at: check.checkedAt, detail: check.message };
  return { tone: 'error', label: FAILED[check.code ?? 'internal'], at: check.checkedAt, detail: check.message };
}
