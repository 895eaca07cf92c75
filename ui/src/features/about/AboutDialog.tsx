// The About box: which Ferry this is, the version and the commit it was built from, so a
// person reporting a problem can name the exact build. Opened from the user menu.
//
// Test ids: `about-dialog`, `about-version`, `about-commit`, `about-no-commit` (built outside
// git), `about-error`, `about-close`.
import {
  Button,
  Dialog,
  DialogActions,
  DialogBody,
  DialogContent,
  DialogSurface,
  DialogTitle,
  MessageBar,
  MessageBarActions,
  MessageBarBody,
  Spinner,
  Text,
  makeStyles,
  tokens,
} from '@fluentui/react-components';
import { useBuildInfo } from '../../api/queries';

const useStyles = makeStyles({
  content: { display: 'flex', flexDirection: 'column', gap: tokens.spacingVerticalM },
  facts: {
    display: 'grid',
    gridTemplateColumns: 'max-content 1fr',
    columnGap: tokens.spacingHorizontalL,
    rowGap: tokens.spacingVerticalXS,
    margin: 0,
  },
  term: { color: tokens.colorNeutralForeground3 },
  value: { margin: 0, fontFamily: tokens.fontFamilyMonospace, userSelect: 'text' },
  muted: { color: tokens.colorNeutralForeground3 },
});

export function AboutDialog({ open, onClose }: { open: boolean; onClose: () => void }) {
  const styles = useStyles();
  // Asked for only once the box opens, then kept: a build does not change while it runs.
  const build = useBuildInfo(open);

  return (
    <Dialog open={open} onOpenChange={(_, d) => !d.open && onClose()}>
      <DialogSurface data-testid="about-dialog" aria-describedby="about-summary">
        <DialogBody>
          <DialogTitle>About Ferry</DialogTitle>
          <DialogContent className={styles.content}>
            <Text id="about-summary">
              Ferry sends customer data from this computer to Microsoft Dynamics 365, and shows what it will send before
              it sends it.
            </Text>
            {build.isPending && <Spinner size="tiny" label="Reading the version…" />}
            {build.isError && (
              <MessageBar intent="error" layout="multiline" data-testid="about-error">
                <MessageBarBody>{`Ferry could not tell which build this is: ${build.error.message}`}</MessageBarBody>
                <MessageBarActions>
                  <Button onClick={() => void build.refetch()}>Try again</Button>
                </MessageBarActions>
              </MessageBar>
            )}
            {build.data && (
              <>
                <dl className={styles.facts}>
                  <dt className={styles.term}>Version</dt>
                  <dd className={styles.value} data-testid="about-version">
                    {build.data.version}
                  </dd>
                  <dt className={styles.term}>Built from commit</dt>
                  <dd className={styles.value} data-testid="about-commit">
                    {build.data.commit}
                  </dd>
                </dl>
                {build.data.commit === 'unknown' ? (
                  <Text className={styles.muted} data-testid="about-no-commit">
                    This copy was built outside a git checkout, so it cannot name its commit. Give the version when you
                    report a problem.
                  </Text>
                ) : (
                  <Text className={styles.muted}>Give both when you report a problem.</Text>
                )}
              </>
            )}
          </DialogContent>
          <DialogActions>
            <Button appearance="primary" data-testid="about-close" onClick={onClose}>
              Close
            </Button>
          </DialogActions>
        </DialogBody>
      </DialogSurface>
    </Dialog>
  );
}
