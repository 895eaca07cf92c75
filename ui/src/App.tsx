// The window: the Ferry header with its tabs, the start-up banners and the selected tab's page.
// Tab test ids: tab-destinations, tab-credentials, tab-data, tab-queries, tab-segments.
import { Caption1, Tab, TabList, Title3, makeStyles, tokens } from '@fluentui/react-components';
import {
  CodeRegular,
  DatabaseRegular,
  KeyMultipleRegular,
  PeopleAudienceRegular,
  SendRegular,
} from '@fluentui/react-icons';
import { useState } from 'react';
import { StatusBanners } from './components/StatusBanners';
import { CredentialsTab } from './credentials/CredentialsTab';
import { DestinationsTab } from './destinations/DestinationsTab';
import { DataTab } from './features/data/DataTab';
import { QueriesTab } from './features/queries/QueriesTab';
import { SegmentsTab } from './features/segments/SegmentsTab';

type TabId = 'destinations' | 'credentials' | 'data' | 'queries' | 'segments';

function TabPage({ tab }: { tab: TabId }) {
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
    gap: tokens.spacingHorizontalXXL,
    padding: `${tokens.spacingVerticalS} ${tokens.spacingHorizontalXXL}`,
    borderBottom: `${tokens.strokeWidthThin} solid ${tokens.colorNeutralStroke2}`,
    backgroundColor: tokens.colorNeutralBackground2,
  },
  brand: { display: 'flex', flexDirection: 'column' },
  title: { margin: 0 },
  muted: { color: tokens.colorNeutralForeground3 },
  main: { flexGrow: 1 },
});

export function App() {
  const styles = useStyles();
  const [tab, setTab] = useState<TabId>('destinations');

  return (
    <div className={styles.app}>
      <header className={styles.header}>
        <div className={styles.brand}>
          <Title3 as="h1" className={styles.title}>
            Ferry
          </Title3>
          <Caption1 className={styles.muted}>Customer data to Dynamics 365</Caption1>
        </div>
        <TabList selectedValue={tab} onTabSelect={(_, d) => setTab(d.value as TabId)} aria-label="Sections">
          <Tab id="tab-destinations" value="destinations" icon={<SendRegular />} data-testid="tab-destinations" aria-controls="tabpanel">
            Destinations
          </Tab>
          <Tab id="tab-credentials" value="credentials" icon={<KeyMultipleRegular />} data-testid="tab-credentials" aria-controls="tabpanel">
            Credentials
          </Tab>
          <Tab id="tab-data" value="data" icon={<DatabaseRegular />} data-testid="tab-data" aria-controls="tabpanel">
            Data
          </Tab>
          <Tab id="tab-queries" value="queries" icon={<CodeRegular />} data-testid="tab-queries" aria-controls="tabpanel">
            Queries
          </Tab>
          <Tab id="tab-segments" value="segments" icon={<PeopleAudienceRegular />} data-testid="tab-segments" aria-controls="tabpanel">
            Segments
          </Tab>
        </TabList>
      </header>
      <StatusBanners onOpenCredentials={() => setTab('credentials')} />
      <main id="tabpanel" role="tabpanel" aria-labelledby={`tab-${tab}`} className={styles.main}>
        <TabPage tab={tab} />
      </main>
    </div>
  );
}
