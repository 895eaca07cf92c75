// A stand-in for the IPC module: every command is a vi.fn with a harmless default; asAppError stays real.
import { vi, type Mock } from 'vitest';
import type * as Ipc from '../api/ipc';
import type { AppStatus, BuildInfo, GettingStarted, Plugin } from '../api/types';
import { FakeDataStore, TODAY } from './fakeData';
import { FakeJobsStore } from './fakeJobs';
import { FakeUsersStore } from './fakeUsers';

const actual = await vi.importActual<typeof Ipc>('../api/ipc');
export const asAppError = actual.asAppError;

type Commands = typeof actual.commands;
type Mocked = { [K in keyof Commands]: Mock<Commands[K]> };

export const dynamics: Plugin = {
  id: 'microsoft-dynamics',
  name: 'Microsoft Dynamics 365',
  description: 'Dataverse tables through the Dynamics 365 Web API.',
  keywords: ['dataverse', 'crm', 'd365'],
  apiVersions: ['9.2', '9.1', '9.0', '8.2'],
  defaultApiVersion: '9.2',
};

export const healthyStatus: AppStatus = {
  dataDir: '/tmp/ferry',
  keychain: { available: true, message: 'The keychain is ready.' },
  today: TODAY,
  expiring: [],
  dataFolderNotice: null,
};

export const testBuild: BuildInfo = { version: '0.1.0', commit: '1a2b3c4' };

export const commands: Mocked = {
  appStatus: vi.fn(),
  buildInfo: vi.fn(),
  listPlugins: vi.fn(),
  listCredentials: vi.fn(),
  checkCredential: vi.fn(),
  createCredential: vi.fn(),
  updateCredential: vi.fn(),
  rotateSecret: vi.fn(),
  deleteCredential: vi.fn(),
  listDestinations: vi.fn(),
  checkDestination: vi.fn(),
  createDestination: vi.fn(),
  updateDestination: vi.fn(),
  deleteDestination: vi.fn(),
  testConnection: vi.fn(),
  testConnectionInput: vi.fn(),
  listTables: vi.fn(),
  tableColumns: vi.fn(),
  gettingStarted: vi.fn(),
  setGettingStartedDismissed: vi.fn(),
  restoreDemoDestination: vi.fn(),
  listTemplates: vi.fn(),
  suggestMapping: vi.fn(),
  checkTemplate: vi.fn(),
  createTemplate: vi.fn(),
  updateTemplate: vi.fn(),
  deleteTemplate: vi.fn(),
  countSourceRows: vi.fn(),
  checkAgainstDynamics: vi.fn(),
  previewTemplate: vi.fn(),
  previewTemplateFirstPage: vi.fn(),
  dataTables: vi.fn(),
  dataSample: vi.fn(),
  setPii: vi.fn(),
  pickCsvFile: vi.fn(),
  importInspect: vi.fn(),
  importStart: vi.fn(),
  importStatus: vi.fn(),
  importCancel: vi.fn(),
  saveRejects: vi.fn(),
  listQueries: vi.fn(),
  createQuery: vi.fn(),
  updateQuery: vi.fn(),
  deleteQuery: vi.fn(),
  queryStart: vi.fn(),
  queryPage: vi.fn(),
  queryCancel: vi.fn(),
  queryClose: vi.fn(),
  listSegments: vi.fn(),
  createSegment: vi.fn(),
  updateSegment: vi.fn(),
  deleteSegment: vi.fn(),
  segmentCount: vi.fn(),
  segmentStart: vi.fn(),
  whoami: vi.fn(),
  switchUser: vi.fn(),
  listUsers: vi.fn(),
  checkUser: vi.fn(),
  createUser: vi.fn(),
  updateUser: vi.fn(),
  setUserDisabled: vi.fn(),
  activityPage: vi.fn(),
  activityVerify: vi.fn(),
  activityExport: vi.fn(),
  sendTemplate: vi.fn(),
  resumeJob: vi.fn(),
  retryFailedRows: vi.fn(),
  cancelJob: vi.fn(),
  listJobs: vi.fn(),
  getJob: vi.fn(),
  unfinishedJobs: vi.fn(),
  jobReceipts: vi.fn(),
  exportRejectedRows: vi.fn(),
  listMarketingLists: vi.fn(),
  segmentJobs: vi.fn(),
  addJobToList: vi.fn(),
};

type Events = typeof actual.events;

/** The backend's events, delivered by the fake jobs store (`jobs.progress(…)`, `jobs.finish(…)`). */
export const events: { [K in keyof Events]: Mock<Events[K]> } = {
  onJobProgress: vi.fn(),
  onJobFinished: vi.fn(),
};

/**
 * Send jobs, their receipts and their events: empty after every reset; tests add jobs
 * (`jobs.add(...)`), teach it templates to send (`jobs.templates = [...]`) and emit progress.
 */
export const jobs = new FakeJobsStore();

/**
 * The customer-data backend behind the new commands: empty after every reset; tests fill it
 * (`data.addDemo()`, `data.addFile(...)`) and read what the UI did to it.
 */
export const data = new FakeDataStore();

/**
 * The users, who is acting and the activity log: after every reset, Ana (DataGrid
 * Administrator, every permission) is acting, beside Bo (operator), Dana (AmpIQ), Sam (Amp360,
 * Restrict PII access) and Kim (disabled), and the log holds a few entries. Tests act as someone
 * else with `users.actAs('Sam')` before rendering.
 */
export const users = new FakeUsersStore();

/** Nothing done yet, steps shown, no sandbox to add back. */
export const freshStart: GettingStarted = {
  dismissed: false,
  hasDestination: false,
  hasSent: false,
  connectionTested: false,
  tablesBrowsed: false,
  dataImported: false,
  sandboxAddable: false,
};

/** An empty, healthy backend; tests override the commands their story needs. */
export function resetCommands() {
  commands.appStatus.mockResolvedValue(healthyStatus);
  commands.buildInfo.mockResolvedValue(testBuild);
  commands.listPlugins.mockImplementation((filter = '') =>
    Promise.resolve([dynamics].filter((p) => p.name.toLowerCase().includes(filter.toLowerCase()))),
  );
  commands.listCredentials.mockResolvedValue([]);
  commands.listDestinations.mockResolvedValue([]);
  commands.checkCredential.mockResolvedValue([]);
  commands.checkDestination.mockResolvedValue({ fields: [], dynamicsUrl: null });
  // Put away unless a test is about it: the other tests' screens stay as small as before.
  commands.gettingStarted.mockResolvedValue({ ...freshStart, dismissed: true });
  commands.setGettingStartedDismissed.mockResolvedValue(null);
  commands.listTemplates.mockResolvedValue([]);
  commands.suggestMapping.mockResolvedValue([]);
  commands.checkTemplate.mockResolvedValue({ fields: [], dropped: [], warnings: [], unusedSources: [] });
  // No segment has been sent through a campaign template unless a test says so.
  commands.segmentJobs.mockResolvedValue([]);
  for (const name of [
    'createCredential',
    'updateCredential',
    'rotateSecret',
    'deleteCredential',
    'createDestination',
    'updateDestination',
    'deleteDestination',
    'testConnection',
    'testConnectionInput',
    'listTables',
    'tableColumns',
    'restoreDemoDestination',
    'createTemplate',
    'updateTemplate',
    'deleteTemplate',
    'previewTemplate',
    'countSourceRows',
    'checkAgainstDynamics',
    'previewTemplateFirstPage',
    'listMarketingLists',
    'addJobToList',
  ] as const) {
    commands[name].mockRejectedValue({ code: 'internal', message: `${name} was not expected in this test.` });
  }
  data.reset();
  users.reset();
  jobs.reset();
  events.onJobProgress.mockImplementation((h) => jobs.onJobProgress(h));
  events.onJobFinished.mockImplementation((h) => jobs.onJobFinished(h));
  for (const name of [
    'sendTemplate',
    'resumeJob',
    'retryFailedRows',
    'cancelJob',
    'listJobs',
    'getJob',
    'unfinishedJobs',
    'jobReceipts',
    'exportRejectedRows',
  ] as const) {
    (commands[name] as Mock).mockImplementation((...args: unknown[]) =>
      (jobs[name] as (...a: unknown[]) => Promise<unknown>)(...args),
    );
  }
  // The customer data is masked for the acting fake user as the backend masks it.
  data.restrictPii = () => users.acting().restrictPii;
  for (const name of [
    'whoami',
    'switchUser',
    'listUsers',
    'checkUser',
    'createUser',
    'updateUser',
    'setUserDisabled',
    'activityPage',
    'activityVerify',
    'activityExport',
  ] as const) {
    (commands[name] as Mock).mockImplementation((...args: unknown[]) =>
      (users[name] as (...a: unknown[]) => Promise<unknown>)(...args),
    );
  }
  for (const name of [
    'dataTables',
    'dataSample',
    'setPii',
    'pickCsvFile',
    'importInspect',
    'importStart',
    'importStatus',
    'importCancel',
    'saveRejects',
    'listQueries',
    'createQuery',
    'updateQuery',
    'deleteQuery',
    'queryStart',
    'queryPage',
    'queryCancel',
    'queryClose',
    'listSegments',
    'createSegment',
    'updateSegment',
    'deleteSegment',
    'segmentCount',
    'segmentStart',
  ] as const) {
    // Each call goes to the fake as it is now (a test may swap one out with mockImplementationOnce).
    (commands[name] as Mock).mockImplementation((...args: unknown[]) =>
      (data[name] as (...a: unknown[]) => Promise<unknown>)(...args),
    );
  }
}
