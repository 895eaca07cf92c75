// A destination's data templates, shown under its row in the Destinations tab: name, table,
// source, and Send / Preview / Edit / Duplicate / Delete. Send only for users who may send data,
// manage actions only for users who may manage templates.
//
// Test ids: `destination-templates` (with data-destination), `template-row` (with data-name),
// `template-send`, `template-preview`, `template-more`, `template-edit`, `template-duplicate`, `template-delete`,
// `templates-empty`.
import { Badge, Caption1, Text, Tooltip, makeStyles, tokens } from '@fluentui/react-components';
import { CopyRegular, DeleteRegular, EditRegular, EyeRegular } from '@fluentui/react-icons';
import type { RowSource, TemplateView } from '../../api/types';
import { RowActions } from '../../components/PageStates';
import { Truncate } from '../../components/Truncate';
import { SendButton } from '../send/SendButton';

const useStyles = makeStyles({
  root: {
    display: 'flex',
    flexDirection: 'column',
    gap: tokens.spacingVerticalXS,
    padding: `${tokens.spacingVerticalXS} 0 ${tokens.spacingVerticalS} ${tokens.spacingHorizontalXXL}`,
  },
  heading: { color: tokens.colorNeutralForeground3 },
  list: { listStyle: 'none', margin: 0, padding: 0, display: 'flex', flexDirection: 'column', gap: tokens.spacingVerticalXXS },
  item: {
    display: 'grid',
    gridTemplateColumns: 'minmax(0, 2fr) minmax(0, 1.2fr) minmax(0, 1.6fr) auto',
    alignItems: 'center',
    gap: tokens.spacingHorizontalM,
    padding: `${tokens.spacingVerticalXXS} ${tokens.spacingHorizontalS}`,
    borderLeft: `${tokens.strokeWidthThick} solid ${tokens.colorNeutralStroke2}`,
  },
  name: { display: 'flex', alignItems: 'center', gap: tokens.spacingHorizontalXS, minWidth: 0 },
  // NOTE: Truncate takes no width of its own, so the name must grow to fill the cell.
  nameText: { flexGrow: 1, minWidth: 0 },
  muted: { color: tokens.colorNeutralForeground3 },
  empty: { color: tokens.colorNeutralForeground3 },
  actions: { display: 'flex', alignItems: 'center', gap: tokens.spacingHorizontalXS },
});

export interface DestinationTemplatesProps {
  destinationId: string;
  destinationName: string;
  templates: TemplateView[];
  sourceName: (source: RowSource) => string;
  canManage: boolean;
  /** Whether the acting user may send data (then each template has a Send button). */
  canSend?: boolean;
  onPreview: (t: TemplateView) => void;
  onEdit: (t: TemplateView) => void;
  /** Opens the add dialog filled in from this template, named “Copy of …”. */
  onDuplicate: (t: TemplateView) => void;
  onDelete: (t: TemplateView) => void;
}

export function sourceKindText(source: RowSource): string {
  return source.kind === 'query' ? 'Saved query' : 'Segment';
}

export function DestinationTemplates({
  destinationId,
  destinationName,
  templates,
  sourceName,
  canManage,
  canSend = false,
  onPreview,
  onEdit,
  onDuplicate,
  onDelete,
}: DestinationTemplatesProps) {
  const styles = useStyles();
  return (
    <div className={styles.root} data-testid="destination-templates" data-destination={destinationId}>
      <Caption1 className={styles.heading} id={`templates-of-${destinationId}`}>
        Data templates for {destinationName}
      </Caption1>
      {templates.length === 0 ? (
        <Text size={200} className={styles.empty} data-testid="templates-empty">
          {canManage
            ? 'No templates yet: add one to choose a table and map your columns.'
            : 'No templates yet. An operator adds them to choose a table and map your columns.'}
        </Text>
      ) : (
        <ul className={styles.list} aria-labelledby={`templates-of-${destinationId}`}>
          {templates.map((t) => (
            <li key={t.id} className={styles.item} data-testid="template-row" data-name={t.name}>
              <span className={styles.name}>
                <Text weight="semibold" className={styles.nameText}>
                  <Truncate text={t.name} testId="template-row-name" />
                </Text>
                {t.unavailable && (
                  <Tooltip content={t.unavailable} relationship="description">
                    <Badge appearance="tint" color="warning" size="small" tabIndex={0} data-testid="template-unavailable">
                      Not available to you
                    </Badge>
                  </Tooltip>
                )}
              </span>
              <Caption1 className={styles.muted}>
                <Truncate text={`Table: ${t.table}`} testId="template-table-name" />
              </Caption1>
              <Caption1 className={styles.muted}>
                <Truncate text={`${sourceKindText(t.source)}: ${sourceName(t.source)}`} testId="template-source-name" />
              </Caption1>
              <span className={styles.actions}>
                {canSend && <SendButton template={t} />}
                <RowActions
                  name={t.name}
                  primary={{
                    label: 'Preview',
                    accessibleName: `Preview ${t.name}`,
                    icon: <EyeRegular />,
                    testId: 'template-preview',
                    onClick: () => {
                      if (!t.unavailable) onPreview(t);
                    },
                    disabledReason: t.unavailable,
                  }}
                  moreTestId="template-more"
                  more={
                    canManage
                      ? [
                          { label: 'Edit', icon: <EditRegular />, testId: 'template-edit', onClick: () => onEdit(t) },
                          {
                            label: 'Duplicate',
                            icon: <CopyRegular />,
                            testId: 'template-duplicate',
                            onClick: () => onDuplicate(t),
                          },
                          { label: 'Delete', icon: <DeleteRegular />, testId: 'template-delete', onClick: () => onDelete(t) },
                        ]
                      : []
                  }
                />
              </span>
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
