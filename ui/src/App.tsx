// The window: the Ferry header with its tabs and the user menu, the start-up banners and the
// selected tab's page. Only the tabs the acting user's policy opens are shown; when a switch of
// user takes the open tab away, Destinations (open to everyone) is shown instead.
// Tab test ids: tab-destinations, tab-credentials, tab-data, tab-queries, tab-segments,
// tab-history, tab-users, tab-activity; the user menu's are listed in features/users/UserMenu.tsx.
import { Caption1, Tab, TabList, Title3, makeStyles, mergeClasses, tokens } from '@fluentui/react-components';
import {
  ClipboardTaskListLtrRegular,
  CodeRegular,
  DatabaseRegular,
  HistoryRegular,
  KeyMultipleRegular,
  PeopleAudienceRegular,
  PeopleRegular,
  SendRegular,
} from '@fluentui/react-icons';
import { useState, type ReactElement } from 'react';
import type { Action } from './api/types';
import { useMe, usePermissions } from './api/users';
import { LoadFailed, Loading } from './components/PageStates';
import { StatusBanners } from './components/StatusBanners';
import { CredentialsTab } from './credentials/CredentialsTab';
import { DestinationsTab } from './destinations/DestinationsTab';
import { ActivityTab } from './features/activity/ActivityTab';
import { DataTab } from './features/data/DataTab';
import { HistoryTab } from './features/history/HistoryTab';
import { UnfinishedJobsBanner } from './features/history/UnfinishedJobsBanner';
import { QueriesTab } from './features/queries/QueriesTab';
import { SegmentsTab } from './features/segments/SegmentsTab';
import { SendProvider } from './features/send/SendProvider';
import { UserMenu } from './features/users/UserMenu';
import { UsersTab } from './features/users/UsersTab';

type TabId = 'destinations' | 'credentials' | 'data' | 'queries' | 'segments' | 'history' | 'users' | 'activity';

interface TabSpec {
  id: TabId;
  label: string;
  icon: ReactElement;
  /** What the acting user must be allowed to see the tab; null: everyone. */
  needs: Action | null;
}

const TABS: TabSpec[] = [
  { id: 'destinations', label: 'Destinations', icon: <SendRegular />, needs: null },
  { id: 'credentials', label: 'Credentials', icon: <KeyMultipleRegular />, needs: 'readCredentials' },
  { id: 'data', label: 'Data', icon: <DatabaseRegular />, needs: 'readData' },
  { id: 'queries', label: 'Queries', icon: <CodeRegular />, needs: 'runQueries' },
  { id: 'segments', label: 'Segments', icon: <PeopleAudienceRegular />, needs: 'readSegments' },
  { id: 'history', label: 'History', icon: <ClipboardTaskListLtrRegular />, needs: 'sendData' },
  { id: 'users', label: 'Users', icon: <PeopleRegular />, needs: 'manageUsers' },
  { id: 'activity', label: 'Activity', icon: <HistoryRegular />, needs: 'readActivity' },
];

/** Where the History opens: at a job (a send's “Open in History”), keyed so each opening starts afresh. */
interface HistoryOpening {
  key: number;
  job: string | null;
}

function TabPage({ tab, history, goTo }: { tab: TabId; history: HistoryOpening; goTo: (tab: TabId) => void }) {
  switch (tab) {
    case 'destinations':
      return <DestinationsTab />;
    case 'credentials':
      return <CredentialsTab />;
    case 'data':
      return <DataTab />;
    case 'queries':
      return <QueriesTab />;
    case 'segments':
      return <SegmentsTab />;
    case 'history':
      return <HistoryTab key={history.key} initialJob={history.job} onGoToDestinations={() => goTo('destinations')} />;
    case 'users':
      return <UsersTab />;
    case 'activity':
      return <ActivityTab />;
  }
}

const useStyles = makeStyles({
  app: {
    display: 'flex',
    flexDirection: 'column',
    minHeight: '100vh',
    backgroundColor: tokens.colorNeutralBackground1,
  },
  header: {
    display: 'flex',
    alignItems: 'center',
    gap: tokens.spacingHorizontalL,
    padding: `${tokens.spacingVerticalS} ${tokens.spacingHorizontalXXL}`,
    borderBottom: `${tokens.strokeWidthThin} solid ${tokens.colorNeutralStroke2}`,
    backgroundColor: tokens.colorNeutralBackground2,
  },
  brand: { display: 'flex', flexDirection: 'column', flexShrink: 0 },
  // The tagline gives way first when the window narrows, so the tabs keep one line longer.
  tagline: { whiteSpace: 'nowrap', '@media (max-width: 1240px)': { display: 'none' } },
  // Tabs that still do not fit wrap onto a second line rather than hide behind a scroll.
  tabs: { minWidth: 0, flexGrow: 1, flexShrink: 1, flexBasis: 0, flexWrap: 'wrap' },
  user: { marginLeft: 'auto', flexShrink: 0 },
  title: { margin: 0 },
  muted: { color: tokens.colorNeutralForeground3 },
  main: { flexGrow: 1 },
});

export function App() {
  const styles = useStyles();
  const me = useMe();
  const { can } = usePermissions();
  const [tab, setTab] = useState<TabId>('destinations');
  const [history, setHistory] = useState<HistoryOpening>({ key: 0, job: null });
  const openHistory = (job: string | null) => {
    setHistory((h) => ({ key: h.key + 1, job }));
    setTab('history');
  };
  const tabs = TABS.filter((t) => t.needs === null || can(t.needs));
  // A switch of user took the open tab away: fall back to Destinations (adjusted while
  // rendering, so the page never renders a tab the user cannot use).
  if (me.data && !tabs.some((t) => t.id === tab)) setTab('destinations');
  const shown = tabs.some((t) => t.id === tab) ? tab : 'destinations';

  return (
    <div className={styles.app}>
      <header className={styles.header}>
        <div className={styles.brand}>
          <Title3 as="h1" className={styles.title}>
            Ferry
          </Title3>
          <Caption1 className={mergeClasses(styles.muted, styles.tagline)}>Customer data to Dynamics 365</Caption1>
        </div>
        {me.data && (
          <TabList className={styles.tabs} selectedValue={shown} onTabSelect={(_, d) => setTab(d.value as TabId)} aria-label="Sections">
            {tabs.map((t) => (
              <Tab key={t.id} id={`tab-${t.id}`} value={t.id} icon={t.icon} data-testid={`tab-${t.id}`} aria-controls="tabpanel">
                {t.label}
              </Tab>
            ))}
          </TabList>
        )}
        <div className={styles.user}>
          <UserMenu />
        </div>
      </header>
      <SendProvider onOpenHistory={openHistory}>
        <StatusBanners onOpenCredentials={can('readCredentials') ? () => setTab('credentials') : undefined} />
        {/* Keyed by the user: a switch asks afresh, as the new user, which of their sends are unfinished. */}
        {me.data && can('sendData') && <UnfinishedJobsBanner key={me.data.user.id} onOpenHistory={() => openHistory(null)} />}
        <main id="tabpanel" role="tabpanel" aria-labelledby={`tab-${shown}`} className={styles.main}>
          {me.isPending && <Loading label="Finding out who is using Ferry…" />}
          {me.isError && !me.data && <LoadFailed what="who is using Ferry" error={me.error} onRetry={() => void me.refetch()} />}
          {/* Keyed by the user: a switch starts every screen afresh, with nothing the previous user saw. */}
          {me.data && <TabPage key={me.data.user.id} tab={shown} history={history} goTo={setTab} />}
        </main>
      </SendProvider>
    </div>
  );
}
