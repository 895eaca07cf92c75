// Turns backend values (ISO dates, expiry levels, clouds, flags) into the words and colours shown.
import type { BadgeProps } from '@fluentui/react-components';
import type { ExpiryLevel, ExpiryStatus, UrlCheck } from '../api/types';

const dateFormat = new Intl.DateTimeFormat(undefined, {
  day: 'numeric',
  month: 'short',
  year: 'numeric',
  // Dates are calendar days with no time; formatting them in UTC keeps the day from shifting.
  timeZone: 'UTC',
});

/**
 * "2027-11-27" → "27 Nov 2027" or "Nov 27, 2027", as the user's locale writes dates. The one way every
 * screen shows a calendar date; the backend and the CLI keep ISO. Anything unparseable is shown as given.
 */
export function formatDate(iso: string): string {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(iso);
  if (!m) return iso;
  return dateFormat.format(new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]))));
}

/** Today on this computer as YYYY-MM-DD (local time, which is what a date input uses). */
export function localTodayIso(now = new Date()): string {
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${now.getFullYear()}-${pad(now.getMonth() + 1)}-${pad(now.getDate())}`;
}

/** The expiry date in the user's form, or "never expires" for a secret without an end date. */
export function expiryDateText(expiry: Pick<ExpiryStatus, 'expiresOn'>): string {
  return expiry.expiresOn === null ? 'never expires' : formatDate(expiry.expiresOn);
}

/** A sentence for banners and pickers: "Expires in 12 days (9 Dec 2026)", or "Never expires". */
export function expiryText(expiry: ExpiryStatus): string {
  return expiry.expiresOn === null ? expiry.summary : `${expiry.summary} (${formatDate(expiry.expiresOn)})`;
}

const levelColor: Record<ExpiryLevel, NonNullable<BadgeProps['color']>> = {
  ok: 'success',
  warning: 'warning',
  critical: 'danger',
  expired: 'danger',
  never: 'informative',
};

export function expiryBadgeColor(level: ExpiryLevel): NonNullable<BadgeProps['color']> {
  return levelColor[level];
}

/** The badge text: the backend's summary, except an expired secret just says so. */
export function expiryBadgeText(expiry: ExpiryStatus): string {
  // Short enough to sit on one line in a table column; the full sentence is the summary.
  if (expiry.level === 'never' || expiry.daysLeft === null) return 'Never expires';
  if (expiry.level === 'expired') return 'Expired';
  if (expiry.daysLeft === 0) return 'Last day';
  if (expiry.daysLeft === 1) return '1 day left';
  // Beyond two years, leap day included (secrets made through Graph can run for decades), whole years read better.
  return expiry.daysLeft > 732 ? `${Math.floor(expiry.daysLeft / 365)} years left` : `${expiry.daysLeft} days left`;
}

/** Whether a credential list or banner should treat this as urgent rather than a heads-up. */
export function isUrgent(level: ExpiryLevel): boolean {
  return level === 'critical' || level === 'expired';
}

/** The line under the URL field once the backend has recognised the address. */
export function recognisedUrlText(u: Pick<UrlCheck, 'cloud' | 'cloudLabel' | 'region' | 'authorityHost'>): string {
  if (u.cloud === 'local_sandbox') return `Recognised: ${u.cloudLabel} — Ferry signs in at this address`;
  const where = u.region ? `${u.cloudLabel}, ${u.region}` : u.cloudLabel;
  return u.authorityHost ? `Recognised: ${where} — sign-in at ${u.authorityHost}` : `Recognised: ${where}`;
}

/** The muted line under a destination's URL in the list. */
export function cloudText(cloudLabel: string, region: string | null): string {
  return region ? `${cloudLabel}, ${region}` : cloudLabel;
}

export function secretStateText(secretStored: boolean | null): string {
  if (secretStored === null) return 'Keychain unavailable';
  return secretStored ? 'Stored in keychain' : 'Missing — rotate to add one';
}

export function audienceText(businessUsers: boolean): string {
  return businessUsers ? 'Business users' : 'Admins only';
}

/** "A", "A and B", "A, B and C" — for sentences that name destinations. */
export function listNames(names: string[]): string {
  if (names.length <= 1) return names.join('');
  return `${names.slice(0, -1).join(', ')} and ${names[names.length - 1]}`;
}

const dateTimeFormat = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });
const relativeFormat = new Intl.RelativeTimeFormat(undefined, { numeric: 'auto' });

/** A moment as the user's local date and time, e.g. "27 Nov 2026, 15:04". */
export function formatDateTime(unixSeconds: number): string {
  return dateTimeFormat.format(new Date(unixSeconds * 1000));
}

/** How long ago a unix-seconds moment was: "just now", "5 minutes ago", "3 hours ago"; older ones as a date and time. */
export function formatAgo(unixSeconds: number, now = Date.now()): string {
  const seconds = Math.round(now / 1000 - unixSeconds);
  if (seconds < 45) return 'just now';
  const minutes = Math.round(seconds / 60);
  if (minutes < 60) return relativeFormat.format(-minutes, 'minute');
  const hours = Math.round(minutes / 60);
  if (hours < 24) return relativeFormat.format(-hours, 'hour');
  return formatDateTime(unixSeconds);
}

const countFormat = new Intl.NumberFormat();

/** A count as the user's locale writes it: "1,000,000" or "1 000 000". */
export function formatCount(n: number): string {
  return countFormat.format(n);
}

/** "12,345 rows", "1 row". */
export function rowsText(n: number): string {
  return `${formatCount(n)} ${n === 1 ? 'row' : 'rows'}`;
}

/** A file size: "830 bytes", "12.4 KB", "208.1 MB". */
export function formatBytes(n: number): string {
  if (n < 1024) return `${formatCount(n)} bytes`;
  const units = ['KB', 'MB', 'GB', 'TB'];
  let v = n / 1024;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return `${v.toFixed(1)} ${units[u]}`;
}

/** How long something took: "850 ms", "3.2 s", "2 min 5 s". */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  const s = Math.round(ms / 1000);
  return `${Math.floor(s / 60)} min ${s % 60} s`;
}
