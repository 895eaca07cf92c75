// Reading a date a person typed: ISO (YYYY-MM-DD, what the hints ask for) or the locale's own numeric form.
// Pure functions over calendar days; the backend still judges the result (format, past dates).

const ISO = /^(\d{4})-(\d{1,2})-(\d{1,2})$/;

function pad(n: number): string {
  return String(n).padStart(2, '0');
}

/** The ISO text of a real calendar date, or null when the day does not exist (e.g. 2027-02-30). */
function isoOf(year: number, month: number, day: number): string | null {
  if (year < 1 || month < 1 || month > 12 || day < 1) return null;
  // Day 0 of the next month is the last day of this one; UTC keeps time zones out of it.
  const last = new Date(Date.UTC(year, month, 0)).getUTCDate();
  if (day > last) return null;
  return `${String(year).padStart(4, '0')}-${pad(month)}-${pad(day)}`;
}

type Part = 'year' | 'month' | 'day';

/** The order of year, month and day in the locale's numeric dates, e.g. month-day-year for en-US. */
export function localeDateOrder(locale?: string): Part[] {
  const parts = new Intl.DateTimeFormat(locale, { year: 'numeric', month: 'numeric', day: 'numeric' }).formatToParts(
    new Date(Date.UTC(2027, 5, 15)),
  );
  return parts.map((p) => p.type).filter((t): t is Part => t === 'year' || t === 'month' || t === 'day');
}

/**
 * Reads a typed date as YYYY-MM-DD, or null when it is not one. ISO always works; so does the locale's
 * numeric form with a four-digit year (6/15/2027 in the US, 15/06/2027 or 15.06.2027 in much of Europe).
 */
export function parseDateText(text: string, locale?: string): string | null {
  const t = text.trim();
  const iso = ISO.exec(t);
  if (iso) return isoOf(Number(iso[1]), Number(iso[2]), Number(iso[3]));
  const groups = t.split(/[^0-9]+/).filter(Boolean);
  if (groups.length !== 3 || !/^[0-9./\-\s]+$/.test(t)) return null;
  const order = localeDateOrder(locale);
  if (order.length !== 3) return null;
  const at = (p: Part) => groups[order.indexOf(p)];
  // A two-digit year is ambiguous across centuries; ask for all four.
  if (at('year').length !== 4 || at('month').length > 2 || at('day').length > 2) return null;
  return isoOf(Number(at('year')), Number(at('month')), Number(at('day')));
}

/** A calendar day as a local-midnight Date (what calendar widgets work with), or null for non-ISO text. */
export function isoToLocalDate(iso: string): Date | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(iso);
  if (!m || isoOf(Number(m[1]), Number(m[2]), Number(m[3])) === null) return null;
  return new Date(Number(m[1]), Number(m[2]) - 1, Number(m[3]));
}

/** A local Date's calendar day as YYYY-MM-DD. */
export function localDateToIso(d: Date): string {
  return `${String(d.getFullYear()).padStart(4, '0')}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
}
