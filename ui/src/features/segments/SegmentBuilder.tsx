// The segment builder: a group of conditions that must all (or any) hold, nested groups, and
// "has (no) related rows where …" rules, for people who do not write SQL. Each condition picks a
// column (its type shown), a comparison that fits that type, and a value input that fits both.
//
// Test ids: `segment-group` (data-path, "root" for the top), its `group-match` select and
// `group-actions` with `group-add-condition`, `group-add-group`, `group-add-related`,
// `group-remove`; `segment-condition` (data-path, data-invalid) with `condition-column`,
// `condition-op`, `condition-value`, `condition-value2`, `condition-list` (tags:
// `condition-list-tag`), `condition-remove`, `condition-problem`; `segment-related` (data-path,
// data-invalid) with `related-exists`, `related-target`, `related-match`, `related-remove`.
import {
  Button,
  Caption1,
  Input,
  Select,
  Text,
  makeStyles,
  mergeClasses,
  tokens,
} from '@fluentui/react-components';
import { AddRegular, DeleteRegular, GroupRegular, LinkRegular } from '@fluentui/react-icons';
import type { ColumnMeta, Match, Operator, TableSummary } from '../../api/dataTypes';
import { typeLabel } from '../../components/DataGrid';
import { TagInput } from '../../components/TagInput';
import {
  choiceOf,
  newCondition,
  newGroup,
  newRelated,
  operatorsFor,
  relatedLinks,
  withColumn,
  type EditCondition,
  type EditRelated,
  type EditRule,
} from './segmentModel';

const useStyles = makeStyles({
  group: {
    display: 'flex',
    flexDirection: 'column',
    gap: tokens.spacingVerticalS,
    padding: tokens.spacingHorizontalM,
    borderLeft: `${tokens.strokeWidthThick} solid ${tokens.colorBrandStroke2}`,
    backgroundColor: tokens.colorNeutralBackground2,
    borderRadius: tokens.borderRadiusMedium,
  },
  root: { backgroundColor: 'transparent', borderLeft: 'none', padding: 0 },
  related: { borderLeft: `${tokens.strokeWidthThick} solid ${tokens.colorPaletteBerryBorder2}` },
  head: { display: 'flex', alignItems: 'center', gap: tokens.spacingHorizontalS, flexWrap: 'wrap' },
  condition: {
    display: 'flex',
    flexDirection: 'column',
    gap: tokens.spacingVerticalXXS,
    padding: `${tokens.spacingVerticalXS} ${tokens.spacingHorizontalS}`,
    border: `${tokens.strokeWidthThin} solid ${tokens.colorNeutralStroke2}`,
    borderRadius: tokens.borderRadiusMedium,
    backgroundColor: tokens.colorNeutralBackground1,
  },
  invalid: {
    border: `${tokens.strokeWidthThick} solid ${tokens.colorPaletteRedBorder2}`,
    backgroundColor: tokens.colorPaletteRedBackground1,
  },
  fields: { display: 'flex', alignItems: 'center', gap: tokens.spacingHorizontalS, flexWrap: 'wrap' },
  column: { minWidth: '200px', maxWidth: '260px' },
  op: { minWidth: '150px' },
  value: { width: '200px' },
  number: { width: '120px' },
  problem: { color: tokens.colorPaletteRedForeground1, fontSize: tokens.fontSizeBase200 },
  actions: { display: 'flex', gap: tokens.spacingHorizontalS, flexWrap: 'wrap' },
  muted: { color: tokens.colorNeutralForeground3 },
  spacer: { flexGrow: 1 },
});

export interface BuilderContext {
  tables: readonly TableSummary[];
  /** The base table's name. */
  base: string;
  /** Messages for rules, by rule key. */
  problems: Map<string, string[]>;
}

interface GroupProps {
  ctx: BuilderContext;
  /** The table the conditions read: the base table, or the related one inside a related rule. */
  table: string;
  match: Match;
  rules: EditRule[];
  onChange: (match: Match, rules: EditRule[]) => void;
  path: string;
  /** Related rules are offered only outside related rules. */
  allowRelated: boolean;
  /** Nested groups can be removed. */
  onRemove?: () => void;
  /** Top level: no frame. */
  root?: boolean;
  label: string;
}

export function GroupEditor({ ctx, table, match, rules, onChange, path, allowRelated, onRemove, root, label }: GroupProps) {
  const styles = useStyles();
  const columns = ctx.tables.find((t) => t.name === table)?.columns ?? [];
  const links = relatedLinks(ctx.tables, ctx.base);
  const set = (i: number, rule: EditRule) => onChange(match, rules.map((r, j) => (j === i ? rule : r)));
  const remove = (i: number) => onChange(match, rules.filter((_, j) => j !== i));
  const childPath = (i: number) => (path === 'root' ? `rules[${i}]` : `${path}.rules[${i}]`);

  return (
    <div className={mergeClasses(styles.group, root && styles.root)} data-testid="segment-group" data-path={path} role="group" aria-label={label}>
      <div className={styles.head}>
        <Text>Match</Text>
        <Select
          aria-label={`${label}: match all or any`}
          value={match}
          onChange={(_, d) => onChange(d.value as Match, rules)}
          data-testid="group-match"
          size="small"
        >
          <option value="all">all</option>
          <option value="any">any</option>
        </Select>
        <Text>of these conditions</Text>
        <span className={styles.spacer} />
        {onRemove && (
          <Button size="small" appearance="subtle" icon={<DeleteRegular />} onClick={onRemove} data-testid="group-remove" aria-label={`Remove ${label}`}>
            Remove group
          </Button>
        )}
      </div>
      {rules.length === 0 && (
        <Caption1 className={styles.muted} data-testid="group-empty">
          {root ? 'No conditions yet: every row matches. Add a condition to narrow the audience.' : 'No conditions yet.'}
        </Caption1>
      )}
      {rules.map((r, i) =>
        r.kind === 'condition' ? (
          <ConditionRow
            key={r.key}
            rule={r}
            columns={columns}
            problems={ctx.problems.get(r.key)}
            onChange={(next) => set(i, next)}
            onRemove={() => remove(i)}
            path={childPath(i)}
            position={i + 1}
          />
        ) : r.kind === 'group' ? (
          <GroupEditor
            key={r.key}
            ctx={ctx}
            table={table}
            match={r.match}
            rules={r.rules}
            onChange={(m, rs) => set(i, { ...r, match: m, rules: rs })}
            path={childPath(i)}
            allowRelated={allowRelated}
            onRemove={() => remove(i)}
            label={`Group ${i + 1}`}
          />
        ) : (
          <RelatedEditor key={r.key} ctx={ctx} rule={r} onChange={(next) => set(i, next)} onRemove={() => remove(i)} path={childPath(i)} />
        ),
      )}
      <div className={styles.actions} data-testid="group-actions">
        <Button size="small" icon={<AddRegular />} onClick={() => onChange(match, [...rules, newCondition()])} data-testid="group-add-condition">
          Add condition
        </Button>
        <Button size="small" icon={<GroupRegular />} onClick={() => onChange(match, [...rules, newGroup()])} data-testid="group-add-group">
          Add group
        </Button>
        {allowRelated && links.length > 0 && (
          <Button
            size="small"
            icon={<LinkRegular />}
            onClick={() => onChange(match, [...rules, newRelated(links[0])])}
            data-testid="group-add-related"
          >
            Add “has {links[0].table} where…”
          </Button>
        )}
      </div>
    </div>
  );
}

function ConditionRow({
  rule,
  columns,
  problems,
  onChange,
  onRemove,
  path,
  position,
}: {
  rule: EditCondition;
  columns: readonly ColumnMeta[];
  problems?: string[];
  onChange: (rule: EditCondition) => void;
  onRemove: () => void;
  path: string;
  position: number;
}) {
  const styles = useStyles();
  const column = columns.find((c) => c.name === rule.column);
  const type = column?.type ?? 'text';
  const choice = column ? choiceOf(type, rule.op) : undefined;
  const name = `Condition ${position}`;
  const invalid = !!problems?.length;
  const inputType = type === 'integer' || type === 'decimal' ? 'number' : type === 'date' || type === 'dateTime' ? 'date' : 'text';
  const valueClass = inputType === 'number' ? styles.number : styles.value;
  const problemId = `problem-${path}`;

  return (
    <div
      className={mergeClasses(styles.condition, invalid && styles.invalid)}
      data-testid="segment-condition"
      data-path={path}
      data-invalid={invalid ? 'true' : undefined}
      role="group"
      aria-label={name}
      aria-describedby={invalid ? problemId : undefined}
    >
      <div className={styles.fields}>
        <Select
          className={styles.column}
          aria-label={`${name}: column`}
          value={rule.column}
          onChange={(_, d) => onChange(withColumn(rule, columns.find((c) => c.name === d.value)))}
          data-testid="condition-column"
        >
          <option value="" disabled>
            Choose a column
          </option>
          {columns.map((c) => (
            <option key={c.name} value={c.name}>
              {`${c.name} · ${typeLabel(c.type)}`}
            </option>
          ))}
          {rule.column && !column && <option value={rule.column}>{`${rule.column} · gone`}</option>}
        </Select>
        {column && (
          <Select
            className={styles.op}
            aria-label={`${name}: comparison`}
            value={rule.op ?? ''}
            onChange={(_, d) => onChange({ ...rule, op: d.value as Operator })}
            data-testid="condition-op"
          >
            {operatorsFor(type).map((o) => (
              <option key={o.op} value={o.op}>
                {o.label}
              </option>
            ))}
          </Select>
        )}
        {choice?.value === 'one' && (
          <Input
            className={valueClass}
            type={inputType}
            aria-label={`${name}: value`}
            value={rule.value}
            onChange={(_, d) => onChange({ ...rule, value: d.value })}
            data-testid="condition-value"
          />
        )}
        {choice?.value === 'two' && (
          <>
            <Input
              className={valueClass}
              type={inputType}
              aria-label={`${name}: from`}
              value={rule.value}
              onChange={(_, d) => onChange({ ...rule, value: d.value })}
              data-testid="condition-value"
            />
            <Text>and</Text>
            <Input
              className={valueClass}
              type={inputType}
              aria-label={`${name}: to`}
              value={rule.value2}
              onChange={(_, d) => onChange({ ...rule, value2: d.value })}
              data-testid="condition-value2"
            />
          </>
        )}
        {choice?.value === 'days' && (
          <>
            <Input
              className={styles.number}
              type="number"
              min={0}
              aria-label={`${name}: number of days`}
              value={rule.value}
              onChange={(_, d) => onChange({ ...rule, value: d.value })}
              data-testid="condition-value"
            />
            <Text>days</Text>
          </>
        )}
        {choice?.value === 'list' && (
          <TagInput values={rule.list} onChange={(list) => onChange({ ...rule, list })} label={`${name}: values`} testId="condition-list" invalid={invalid} />
        )}
        <span className={styles.spacer} />
        <Button size="small" appearance="subtle" icon={<DeleteRegular />} aria-label={`Remove ${name.toLowerCase()}`} onClick={onRemove} data-testid="condition-remove" />
      </div>
      {invalid && (
        <span id={problemId} className={styles.problem} data-testid="condition-problem">
          {problems?.join(' ')}
        </span>
      )}
    </div>
  );
}

function RelatedEditor({
  ctx,
  rule,
  onChange,
  onRemove,
  path,
}: {
  ctx: BuilderContext;
  rule: EditRelated;
  onChange: (rule: EditRelated) => void;
  onRemove: () => void;
  path: string;
}) {
  const styles = useStyles();
  const links = relatedLinks(ctx.tables, ctx.base);
  const linkKey = `${rule.table}.${rule.column}`;
  const problems = ctx.problems.get(rule.key);
  const label = `Rows of ${rule.table || 'another table'}`;
  return (
    <div
      className={mergeClasses(styles.group, styles.related, !!problems?.length && styles.invalid)}
      data-testid="segment-related"
      data-path={path}
      data-invalid={problems?.length ? 'true' : undefined}
      role="group"
      aria-label={label}
    >
      <div className={styles.head}>
        <Select
          aria-label="Has or has no related rows"
          value={rule.exists ? 'has' : 'hasNo'}
          onChange={(_, d) => onChange({ ...rule, exists: d.value === 'has' })}
          data-testid="related-exists"
          size="small"
        >
          <option value="has">Has</option>
          <option value="hasNo">Has no</option>
        </Select>
        <Select
          aria-label="Related table"
          value={linkKey}
          onChange={(_, d) => {
            const link = links.find((l) => `${l.table}.${l.column}` === d.value);
            // Conditions of the old table mean nothing in another.
            if (link) onChange({ ...rule, table: link.table, column: link.column, on: link.on, rules: link.table === rule.table ? rule.rules : [] });
          }}
          data-testid="related-target"
          size="small"
        >
          {!links.some((l) => `${l.table}.${l.column}` === linkKey) && <option value={linkKey}>{rule.table || 'Choose a table'}</option>}
          {links.map((l) => (
            <option key={`${l.table}.${l.column}`} value={`${l.table}.${l.column}`}>
              {`${l.table} (same ${l.on})`}
            </option>
          ))}
        </Select>
        <Text>where</Text>
        <span className={styles.spacer} />
        <Button size="small" appearance="subtle" icon={<DeleteRegular />} onClick={onRemove} data-testid="related-remove" aria-label={`Remove the ${rule.table} rule`}>
          Remove
        </Button>
      </div>
      {problems?.length ? (
        <span className={styles.problem} data-testid="condition-problem">
          {problems.join(' ')}
        </span>
      ) : null}
      <GroupEditor
        ctx={ctx}
        table={rule.table}
        match={rule.match}
        rules={rule.rules}
        onChange={(match, rules) => onChange({ ...rule, match, rules })}
        path={path}
        allowRelated={false}
        label={`Conditions on ${rule.table}`}
      />
    </div>
  );
}
