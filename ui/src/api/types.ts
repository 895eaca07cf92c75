// The UI's view of the backend contract. The types come from the Rust code (ts-rs writes
// ./generated/ when `cargo test` runs, and the test command fails if that changes the tree), so
// the two sides cannot drift; this module only gathers them and adds UI-side names.
import type { DataErrorCode } from './dataTypes';
import type { ErrorReply } from './generated/ErrorReply';
import type { ExpiryInput } from './generated/ExpiryInput';
import type { JobView } from './generated/JobView';

export type { AppStatus } from './generated/AppStatus';
export type { BuildInfo } from './generated/BuildInfo';
export type { Cloud } from './generated/Cloud';
export type { ColumnInfo } from './generated/ColumnInfo';
export type { ConnectionCheck } from './generated/ConnectionCheck';
export type { ConnectionReport } from './generated/ConnectionReport';
export type { CredentialEdit } from './generated/CredentialEdit';
export type { CredentialView } from './generated/CredentialView';
export type { DestinationInput } from './generated/DestinationInput';
export type { DestinationView } from './generated/DestinationView';
export type { ErrorCode } from './generated/ErrorCode';
export type { ExpiringCredential } from './generated/ExpiringCredential';
export type { ExpiryInput } from './generated/ExpiryInput';
export type { ExpiryLevel } from './generated/ExpiryLevel';
export type { ExpiryStatus } from './generated/ExpiryStatus';
export type { FieldError } from './generated/FieldError';
export type { FormCheck } from './generated/FormCheck';
export type { GettingStarted } from './generated/GettingStarted';
export type { KeychainStatus } from './generated/KeychainStatus';
export type { NamedRef } from './generated/NamedRef';
export type { NewCredential } from './generated/NewCredential';
export type { Plugin } from './generated/Plugin';
export type { SecretRotation } from './generated/SecretRotation';
export type { TableColumns } from './generated/TableColumns';
export type { TableDetails } from './generated/TableDetails';
export type { TableInfo } from './generated/TableInfo';
export type { TableList } from './generated/TableList';
export type { UrlCheck } from './generated/UrlCheck';

// Users, policies and the activity log.
export type { Action } from './generated/Action';
export type { ActivityEntry } from './generated/ActivityEntry';
export type { ActivityPage } from './generated/ActivityPage';
export type { ActivityQuery } from './generated/ActivityQuery';
export type { ChainProblem } from './generated/ChainProblem';
export type { Me } from './generated/Me';
export type { Outcome } from './generated/Outcome';
export type { Policy } from './generated/Policy';
export type { UserInput } from './generated/UserInput';
export type { UserView } from './generated/UserView';
export type { VerifyReport } from './generated/VerifyReport';

// Data templates: a destination's table, where its rows come from, and how columns map.
export type { FieldMapping } from './generated/FieldMapping';
export type { LookupTarget } from './generated/LookupTarget';
export type { Finding } from './generated/Finding';
export type { Mapping } from './generated/Mapping';
export type { Operation } from './generated/Operation';
export type { PlanNote } from './generated/PlanNote';
export type { Preview } from './generated/Preview';
export type { OnlineCheck } from './generated/OnlineCheck';
export type { CheckOutcome } from './generated/CheckOutcome';
export type { RowCheck } from './generated/RowCheck';
export type { PreviewRow } from './generated/PreviewRow';
export type { Reason } from './generated/Reason';
export type { RowSource } from './generated/RowSource';
export type { Suggestion } from './generated/Suggestion';
export type { TemplateCheck } from './generated/TemplateCheck';
export type { TemplateInput } from './generated/TemplateInput';
export type { TemplateView } from './generated/TemplateView';
export type { ValueSource } from './generated/ValueSource';
export type { Verdict } from './generated/Verdict';
export type { WireRequest } from './generated/WireRequest';

// Send jobs: a template's rows sent to Dynamics, their progress, history and receipts.
export type { JobCounts } from './generated/JobCounts';
export type { JobProgress } from './generated/JobProgress';
export type { JobState } from './generated/JobState';
export type { JobView } from './generated/JobView';
export type { Receipt } from './generated/Receipt';
export type { ReceiptFilter } from './generated/ReceiptFilter';
export type { Receipts } from './generated/Receipts';
export type { RowState } from './generated/RowState';
export type { Wait } from './generated/Wait';

/**
 * Every rejected command rejects with this shape. Branch on `code`, never on `message`.
 * `fields` is left out of non-validation errors, hence optional here. The customer-data
 * commands add their own codes (`sql`, `write_refused`, …) until the generated `ErrorCode` has them.
 */
export type AppError = Omit<ErrorReply, 'fields' | 'code'> & {
  code: ErrorReply['code'] | DataErrorCode;
  fields?: ErrorReply['fields'];
};

/** The expiry kinds, for radio groups. */
export type ExpiryKind = ExpiryInput['kind'];

/**
 * The `job-finished` event (src-tauri/commands/jobs.rs, not generated: the shell has no ts-rs):
 * the job as it stands when a run ends, or the error that ended it.
 */
export interface JobFinished {
  jobId: string;
  job?: JobView;
  error?: AppError;
}
