// One activity entry in full, beside the list: who did what to which record, how it ended, and
// its details made readable. A change reads as a before → after table, an added or removed
// record as its values, and anything else as indented JSON.
//
// Test ids: `activity-details` (the panel, data-seq), `activity-changes` (the before → after
// table; rows `activity-change` with data-field), `activity-after`, `activity-before` (value
// lists), `activity-json` (the rest, as JSON).
import {
  Badge,
  Caption1,
  Table,
  TableBody,
  TableCell,
  TableHeader,
  TableHeaderCell,
  TableRow,
  Text,
  makeStyles,
  tokens,
  type BadgeProps,
} from '@fluentui/react-components';
import type { ReactNode } from 'react';
import type { ActivityEntry, Outcome } from '../../api/types';

const useStyles = makeStyles({
  root: {
    display: 'flex',
    flexDirection: 'column',
    gap: tokens.spacingVerticalM,
    padding: tokens.spacingHorizontalL,
    border: `${tokens.strokeWidthThin} solid ${tokens.colorNeutralStroke2}`,
    borderRadius: tokens.borderRadiusMedium,
    backgroundColor: tokens.colorNeutralBackground1,
    minWidth: 0,
    overflowWrap: 'anywhere',
  },
  title: { margin: 0, fontSize: tokens.fontSizeBase400, fontWeight: tokens.fontWeightSemibold },
  facts: {
    display: 'grid',
    gridTemplateColumns: 'max-content minmax(0, 1fr)',
    columnGap: tokens.spacingHorizontalM,
    rowGap: tokens.spacingVerticalXS,
    margin: 0,
  },
  term: { color: tokens.colorNeutralForeground3 },
  value: { margin: 0, minWidth: 0 },
  mono: { fontFamily: tokens.fontFamilyMonospace, fontSize: tokens.fontSizeBase200 },
  section: { display: 'flex', flexDirection: 'column', gap: tokens.spacingVerticalXS, minWidth: 0 },
  sectionTitle: { margin: 0, fontSize: tokens.fontSizeBase300, fontWeight: tokens.fontWeightSemibold },
  json: {
    margin: 0,
    padding: tokens.spacingHorizontalM,
    whiteSpace: 'pre-wrap',
    overflowWrap: 'anywhere',
    fontFamily: tokens.fontFamilyMonospace,
    fontSize: tokens.fontSizeBase200,
    backgroundColor: tokens.colorNeutralBackground3,
    borderRadius: tokens.borderRadiusMedium,
  },
  faint: { color: tokens.colorNeutralForeground4, fontStyle: 'italic' },
  arrow: { color: tokens.colorNeutralForeground3 },
});

const OUTCOMES: Record<Outcome, { label: string; color: NonNullable<BadgeProps['color']> }> = {
  ok: { label: 'OK', color: 'success' },
  failed: { label: 'Failed', color: 'danger' },
  refused: { label: 'Refused', color: 'warning' },
  cancelled: { label: 'Cancelled', color: 'informative' },
};

/** How an attempt ended, as a coloured badge. */
export function OutcomeBadge({ outcome }: { outcome: Outcome }) {
  const o = OUTCOMES[outcome] ?? { label: outcome, color: 'informative' };
  return (
    <Badge appearance="tint" color={o.color} size="small" data-testid="activity-outcome" data-outcome={outcome}>
      {o.label}
    </Badge>
  );
}

const timeFormat = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'medium' });

/** An entry's moment in this computer's time zone, to the second. */
export function entryTime(atMs: number): string {
  return timeFormat.format(new Date(atMs));
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** A detail value in a word or a line: empty ones say so, yes/no for booleans, JSON for the rest. */
function Value({ value }: { value: unknown }) {
  const styles = useStyles();
  if (value === null || value === undefined || value === '') return <span className={styles.faint}>empty</span>;
  if (typeof value === 'boolean') return <>{value ? 'yes' : 'no'}</>;
  if (typeof value === 'string' || typeof value === 'number') return <>{String(value)}</>;
  return <span className={styles.mono}>{JSON.stringify(value)}</span>;
}

function Section({ title, children }: { title: string; children: ReactNode }) {
  const styles = useStyles();
  return (
    <section className={styles.section}>
      <h4 className={styles.sectionTitle}>{title}</h4>
      {children}
    </section>
  );
}

function ValueList({ values, testId }: { values: Record<string, unknown>; testId: string }) {
  const styles = useStyles();
  return (
    <dl className={styles.facts} data-testid={testId}>
      {Object.entries(values).map(([k, v]) => (
        <Fact key={k} term={fieldLabel(k)}>
          <Value value={v} />
        </Fact>
      ))}
    </dl>
  );
}

function Fact({ term, children }: { term: string; children: ReactNode }) {
  const styles = useStyles();
  return (
    <>
      <dt className={styles.term}>{term}</dt>
      <dd className={styles.value}>{children}</dd>
    </>
  );
}

function ChangesTable({ changes }: { changes: Record<string, unknown> }) {
  const styles = useStyles();
  return (
    <Table size="small" aria-label="What changed" data-testid="activity-changes">
      <TableHeader>
        <TableRow>
          <TableHeaderCell style={{ width: '30%' }}>Field</TableHeaderCell>
          <TableHeaderCell>Before</TableHeaderCell>
          <TableHeaderCell style={{ width: '24px' }} aria-hidden />
          <TableHeaderCell>After</TableHeaderCell>
        </TableRow>
      </TableHeader>
      <TableBody>
        {Object.entries(changes).map(([field, change]) => {
          const pair = isRecord(change) && ('before' in change || 'after' in change) ? change : { before: undefined, after: change };
          return (
            <TableRow key={field} data-testid="activity-change" data-field={field}>
              <TableCell>{fieldLabel(field)}</TableCell>
              <TableCell data-testid="activity-change-before">
                <Value value={pair.before} />
              </TableCell>
              <TableCell className={styles.arrow} aria-hidden>
                →
              </TableCell>
              <TableCell data-testid="activity-change-after">
                <Value value={pair.after} />
              </TableCell>
            </TableRow>
          );
        })}
      </TableBody>
    </Table>
  );
}

/** The details object, each known shape in its readable form and whatever is left as JSON. */
function DetailsBody({ details }: { details: Record<string, unknown> }) {
  const styles = useStyles();
  const { changes, before, after, ...rest } = details;
  const parts: ReactNode[] = [];
  if (isRecord(changes)) {
    parts.push(
      <Section key="changes" title="What changed">
        <ChangesTable changes={changes} />
      </Section>,
    );
  } else if (changes !== undefined) rest.changes = changes;
  if (isRecord(after)) {
    parts.push(
      <Section key="after" title={isRecord(before) ? 'Afterwards' : 'Values it was given'}>
        <ValueList values={after} testId="activity-after" />
      </Section>,
    );
  } else if (after !== undefined) rest.after = after;
  if (isRecord(before)) {
    parts.push(
      <Section key="before" title={isRecord(after) ? 'Before' : 'Values it had'}>
        <ValueList values={before} testId="activity-before" />
      </Section>,
    );
  } else if (before !== undefined) rest.before = before;
  if (Object.keys(rest).length > 0) {
    parts.push(
      <Section key="rest" title={parts.length > 0 ? 'More details' : 'Details'}>
        <pre className={styles.json} data-testid="activity-json">
          {JSON.stringify(rest, null, 2)}
        </pre>
      </Section>,
    );
  }
  if (parts.length === 0) return <Caption1 className={styles.faint}>Nothing more was recorded for this entry.</Caption1>;
  return <>{parts}</>;
}

export function ActivityDetails({ entry }: { entry: ActivityEntry }) {
  const styles = useStyles();
  return (
    <section className={styles.root} data-testid="activity-details" data-seq={entry.seq} aria-labelledby="activity-details-title">
      <h3 className={styles.title} id="activity-details-title">
        {entry.summary}
      </h3>
      <dl className={styles.facts}>
        <Fact term="When">{entryTime(entry.atMs)}</Fact>
        <Fact term="User">{entry.userName}</Fact>
        <Fact term="Action">
          <span className={styles.mono}>{entry.action}</span>
        </Fact>
        <Fact term="Target">{entry.target ? entry.target : <span className={styles.faint}>none</span>}</Fact>
        <Fact term="Outcome">
          <OutcomeBadge outcome={entry.outcome} />
        </Fact>
        <Fact term="Personal data">
          {entry.revealsPii ? 'Shown to the user (values in columns marked PII)' : 'None shown'}
        </Fact>
        <Fact term="Entry">
          <Text className={styles.mono}>#{entry.seq}</Text>
        </Fact>
      </dl>
      <DetailsBody details={entry.details} />
    </section>
  );
}

/** Words people know for the fields entries record; others are split out of their camelCase. */
const FIELD_LABELS: Record<string, string> = {
  businessUsers: 'Business users',
  restrictedPii: 'Restricted-PII users',
  restrictPii: 'Restrict PII access',
  dynamicsUrl: 'Dynamics URL',
  tenantId: 'Tenant',
  apiVersion: 'Web API version',
  clientId: 'Client ID',
  secretExpires: 'Secret expires',
  timeLimitSecs: 'Time limit (seconds)',
  sql: 'SQL',
  pii: 'PII',
  piiColumns: 'PII columns',
};

export function fieldLabel(key: string): string {
  const known = FIELD_LABELS[key];
  if (known) return known;
  const words = key.replace(/([a-z0-9])([A-Z])/g, '$1 $2').toLowerCase();
  return words.charAt(0).toUpperCase() + words.slice(1);
}
