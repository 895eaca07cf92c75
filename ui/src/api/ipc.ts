// The only module that talks to Tauri. Everything else calls `commands.*`.
import { invoke } from '@tauri-apps/api/core';
import { listen, type UnlistenFn } from '@tauri-apps/api/event';
import type {
  ActivityPage,
  ActivityQuery,
  AppError,
  AppStatus,
  BuildInfo,
  ConnectionReport,
  CredentialEdit,
  CredentialView,
  DestinationInput,
  DestinationView,
  FieldError,
  FormCheck,
  GettingStarted,
  JobFinished,
  JobProgress,
  JobView,
  Me,
  NewCredential,
  Plugin,
  OnlineCheck,
  Preview,
  ReceiptFilter,
  Receipts,
  RowSource,
  SecretRotation,
  Suggestion,
  TemplateCheck,
  TemplateInput,
  TemplateView,
  TableColumns,
  TableList,
  UserInput,
  UserView,
  VerifyReport,
} from './types';
import type {
  ColumnMeta,
  ImportPlan,
  ImportRequest,
  ImportStatus,
  InspectOptions,
  QueryInput,
  ResultPage,
  SavedQuery,
  SavedSegment,
  SegmentCount,
  SegmentDefinition,
  SegmentInput,
  TableSample,
  TableSummary,
} from './dataTypes';
import type { AddedToList } from './generated/AddedToList';
import type { ListTarget } from './generated/ListTarget';
import type { MarketingList } from './generated/MarketingList';

/** Turns whatever a command rejected with into an AppError. */
export function asAppError(e: unknown): AppError {
  if (e && typeof e === 'object' && 'code' in e && 'message' in e) return e as AppError;
  return { code: 'internal', message: typeof e === 'string' ? e : 'Something went wrong.' };
}

async function call<T>(cmd: string, args?: Record<string, unknown>): Promise<T> {
  try {
    return await invoke<T>(cmd, args);
  } catch (e) {
    throw asAppError(e);
  }
}

export const commands = {
  appStatus: () => call<AppStatus>('app_status'),
  buildInfo: () => call<BuildInfo>('build_info'),
  listPlugins: (filter = '') => call<Plugin[]>('list_plugins', { filter }),

  listCredentials: () => call<CredentialView[]>('list_credentials'),
  checkCredential: (input: NewCredential, exceptId?: string) =>
    call<FieldError[]>('check_credential', { input, exceptId: exceptId ?? null }),
  createCredential: (input: NewCredential) => call<CredentialView>('create_credential', { input }),
  updateCredential: (id: string, edit: CredentialEdit) =>
    call<CredentialView>('update_credential', { id, edit }),
  rotateSecret: (id: string, rotation: SecretRotation) =>
    call<CredentialView>('rotate_secret', { id, rotation }),
  deleteCredential: (id: string) => call<null>('delete_credential', { id }),

  listDestinations: () => call<DestinationView[]>('list_destinations'),
  checkDestination: (input: DestinationInput, exceptId?: string) =>
    call<FormCheck>('check_destination', { input, exceptId: exceptId ?? null }),
  createDestination: (input: DestinationInput) =>
    call<DestinationView>('create_destination', { input }),
  updateDestination: (id: string, input: DestinationInput) =>
    call<DestinationView>('update_destination', { id, input }),
  deleteDestination: (id: string) => call<null>('delete_destination', { id }),

  /** Signs in to a saved destination and asks WhoAmI. Network: seconds, not milliseconds. */
  testConnection: (id: string) => call<ConnectionReport>('test_connection', { id }),
  /** The same, for the dialog's unsaved settings (validation errors come back as on save). */
  testConnectionInput: (input: DestinationInput, exceptId?: string) =>
    call<ConnectionReport>('test_connection_input', { input, exceptId: exceptId ?? null }),
  /** The destination's tables; from the local cache unless `refresh`. */
  listTables: (id: string, refresh = false) => call<TableList>('list_tables', { id, refresh }),
  /** One table's columns, keys and lookups; from the local cache unless `refresh`. */
  tableColumns: (id: string, table: string, refresh = false) =>
    call<TableColumns>('table_columns', { id, table, refresh }),

  /** Which first steps are done, and whether the local sandbox can be added back. */
  gettingStarted: () => call<GettingStarted>('getting_started'),
  setGettingStartedDismissed: (dismissed: boolean) =>
    call<null>('set_getting_started_dismissed', { dismissed }),
  /** Adds the Local sandbox destination back after it was deleted. */
  restoreDemoDestination: () => call<DestinationView>('restore_demo_destination'),

  // Data templates (under each destination).
  listTemplates: () => call<TemplateView[]>('list_templates'),
  /** Guesses which source column goes to which table column, from names. */
  suggestMapping: (destination: string, source: RowSource, table: string) =>
    call<Suggestion[]>('suggest_mapping', { destination, source, table }),
  /** What saving would refuse, keep out of the requests, and warn about; `exceptId` is the template being edited. */
  checkTemplate: (input: TemplateInput, exceptId?: string) =>
    call<TemplateCheck>('check_template', { input, exceptId: exceptId ?? null }),
  createTemplate: (input: TemplateInput) => call<TemplateView>('create_template', { input }),
  updateTemplate: (id: string, input: TemplateInput) => call<TemplateView>('update_template', { id, input }),
  deleteTemplate: (id: string) => call<null>('delete_template', { id }),
  /** Asks Dynamics whether the first `sample` sendable rows' keys find records (read only). */
  checkAgainstDynamics: (id: string, sample: number) => call<OnlineCheck>('check_against_dynamics', { id, sample }),
  /** How many rows a saved query or segment has now, counted by the database. */
  countSourceRows: (source: RowSource) => call<number>('count_source_rows', { source }),
  /**
   * The validation pass: maps every row of the source and counts verdicts, returning the first `limit` rows
   * (only those with an error if `errorsOnly`) with their requests. Takes seconds on a large source.
   */
  previewTemplate: (id: string, limit: number, errorsOnly: boolean) =>
    call<Preview>('preview_template', { id, limit, errorsOnly }),
  /** The preview's first page at once: counts cover only the rows read (`complete` says whether that was all). */
  previewTemplateFirstPage: (id: string, limit: number, errorsOnly: boolean) =>
    call<Preview>('preview_template_first_page', { id, limit, errorsOnly }),

  // Customer data (the Data tab).
  /** The customer database's tables with their columns, types, PII marks and row counts. */
  dataTables: () => call<TableSummary[]>('data_tables'),
  /** A table's first `limit` rows. */
  dataSample: (table: string, limit: number) => call<TableSample>('data_sample', { table, limit }),
  /** Marks or unmarks a column as personal data; answers with the column as it now is. */
  setPii: (table: string, column: string, pii: boolean) => call<ColumnMeta>('set_pii', { table, column, pii }),
  /** The system's open-file dialog for CSV files; null when the user closed it. */
  pickCsvFile: () => call<string | null>('pick_csv_file'),
  /** Reads the head of a CSV file: encoding, delimiter, columns with inferred types, a sample. */
  importInspect: (path: string, options: InspectOptions) =>
    call<ImportPlan>('import_inspect', { path, options }),
  /** Starts an import in the background; answers with its id for import_status. */
  importStart: (request: ImportRequest) => call<string>('import_start', { request }),
  importStatus: (id: string) => call<ImportStatus>('import_status', { id }),
  /** Asks a running import to stop; the table is left as it was. */
  importCancel: (id: string) => call<null>('import_cancel', { id }),
  /** The system's save dialog for an import's rejected rows; the path written, or null if closed. */
  saveRejects: (id: string) => call<string | null>('save_rejects', { id }),

  // Saved queries and their runs (the Queries tab).
  listQueries: () => call<SavedQuery[]>('list_queries'),
  createQuery: (input: QueryInput) => call<SavedQuery>('create_query', { input }),
  updateQuery: (id: string, input: QueryInput) => call<SavedQuery>('update_query', { id, input }),
  deleteQuery: (id: string) => call<null>('delete_query', { id }),
  /** Starts SQL on the read-only connection; answers with a run id for query_page. */
  queryStart: (sql: string, timeLimitSecs: number) => call<string>('query_start', { sql, timeLimitSecs }),
  /** Runs a segment's rows like a query (same paging, cancel and close), with its values bound. */
  segmentStart: (definition: SegmentDefinition, timeLimitSecs: number) =>
    call<string>('segment_start', { definition, timeLimitSecs }),
  /** Rows `offset..offset+limit` of a run (waiting briefly for them if it is still going) and its status. */
  queryPage: (runId: string, offset: number, limit: number) =>
    call<ResultPage>('query_page', { runId, offset, limit }),
  queryCancel: (runId: string) => call<null>('query_cancel', { runId }),
  /** Forgets a run and its rows; call whenever a result leaves the screen. */
  queryClose: (runId: string) => call<null>('query_close', { runId }),

  // Segments (the Segments tab).
  listSegments: () => call<SavedSegment[]>('list_segments'),
  createSegment: (input: SegmentInput) => call<SavedSegment>('create_segment', { input }),
  updateSegment: (id: string, input: SegmentInput) => call<SavedSegment>('update_segment', { id, input }),
  deleteSegment: (id: string) => call<null>('delete_segment', { id }),
  /** How many rows of the base table match, and the SQL the definition compiles to. */
  segmentCount: (definition: SegmentDefinition) => call<SegmentCount>('segment_count', { definition }),

  // Users and who is acting (the user menu, the Users tab).
  /** The acting user and every action their policy allows, so the window can hide the rest. */
  whoami: () => call<Me>('whoami'),
  /** Acts as another user (by id or name) from now on; recorded in the activity log. */
  switchUser: (user: string) => call<Me>('switch_user', { user }),
  listUsers: () => call<UserView[]>('list_users'),
  checkUser: (input: UserInput, exceptId?: string) =>
    call<FieldError[]>('check_user', { input, exceptId: exceptId ?? null }),
  createUser: (input: UserInput) => call<UserView>('create_user', { input }),
  updateUser: (id: string, input: UserInput) => call<UserView>('update_user', { id, input }),
  setUserDisabled: (id: string, disabled: boolean) => call<UserView>('set_user_disabled', { id, disabled }),

  // The activity log (the Activity tab).
  /** Entries `offset..offset+limit` (at most 500) matching `query`, newest first. */
  activityPage: (query: ActivityQuery, offset: number, limit: number) =>
    call<ActivityPage>('activity_page', { query, offset, limit }),
  /** Walks the log's hash chain and reports where it breaks, if anywhere. */
  activityVerify: () => call<VerifyReport>('activity_verify'),
  /** The system's save dialog, then the matching entries as CSV; the path written, or null if closed. */
  activityExport: (query: ActivityQuery) => call<string | null>('activity_export', { query }),

  // Send jobs (Send on a template, the History tab).
  /** Starts sending a template's rows in the background; answers with the job, whose progress comes as events. */
  sendTemplate: (template: string) => call<JobView>('send_template', { template }),
  /** Carries on sending an interrupted, cancelled or stopped job in the background. */
  resumeJob: (id: string) => call<JobView>('resume_job', { id }),
  /** Starts a new job that sends a job's rejected and failed rows again, read afresh from the source. */
  retryFailedRows: (id: string) => call<JobView>('retry_failed_rows', { id }),
  /** Asks a send this window runs to stop; false when this window is not sending it. */
  cancelJob: (id: string) => call<boolean>('cancel_job', { id }),
  /** The jobs the acting user may see, newest first. */
  listJobs: (limit: number) => call<JobView[]>('list_jobs', { limit }),
  getJob: (id: string) => call<JobView>('get_job', { id }),
  /** Jobs left unfinished when Ferry (or the CLI) stopped mid-send. */
  unfinishedJobs: () => call<JobView[]>('unfinished_jobs'),
  /** A page of a job's per-row receipts. */
  jobReceipts: (id: string, filter: ReceiptFilter) => call<Receipts>('job_receipts', { id, filter }),
  /** The system's save dialog, then the rows the job could not deliver as CSV; the rows written, or null if closed. */
  exportRejectedRows: (id: string) => call<number | null>('export_rejected_rows', { id }),
  // Campaigns (the Segments tab): a segment's sends added to Dynamics marketing lists.
  /** The destination's static marketing lists (only those holding `table`'s rows when given). Network. */
  listMarketingLists: (destination: string, table?: string) =>
    call<MarketingList[]>('list_marketing_lists', { destination, table: table ?? null }),
  /** The segment's recent sends through templates open to campaigns, newest first. */
  segmentJobs: (segment: string, limit: number) => call<JobView[]>('segment_jobs', { segment, limit }),
  /** Adds the records a send delivered to an existing or a new static list. Network, seconds for a big send. */
  addJobToList: (job: string, target: ListTarget) => call<AddedToList>('add_job_to_list', { job, target }),
};

/** The backend's events. Each `on…` calls `handler` for every event until the function it resolves to is called. */
export const events = {
  /** A running send's progress, a few times a second. */
  onJobProgress: (handler: (p: JobProgress) => void): Promise<UnlistenFn> =>
    listen<JobProgress>('job-progress', (e) => handler(e.payload)),
  /** A send's run has ended, however it ended. */
  onJobFinished: (handler: (f: JobFinished) => void): Promise<UnlistenFn> =>
    listen<JobFinished>('job-finished', (e) => handler(e.payload)),
};
