// The contract between the UI and the Rust backend. Mirrors the serde types in
// src-tauri/core/src/catalog.rs (camelCase fields). Keep the two in step.

export type ErrorCode = 'validation' | 'not_found' | 'in_use' | 'keychain_unavailable' | 'internal';

export interface FieldError {
  /** Input name, e.g. "dynamicsUrl", "tenantId", "clientId", "name", "expiry", "clientSecret". */
  field: string;
  message: string;
}

/** Every rejected command rejects with this shape. Branch on `code`, never on `message`. */
export interface AppError {
  code: ErrorCode;
  message: string;
  fields?: FieldError[];
}

export type ExpiryLevel = 'ok' | 'warning' | 'critical' | 'expired';

export interface ExpiryStatus {
  expiresOn: string; // YYYY-MM-DD
  daysLeft: number;
  level: ExpiryLevel;
  summary: string; // "Expires in 12 days"
}

export type ExpiryInput = { kind: 'years'; years: 1 | 2 } | { kind: 'date'; date: string };

export type Cloud = 'commercial' | 'us_gcc' | 'us_gcc_high' | 'us_dod' | 'china' | 'local_sandbox';

export interface NamedRef {
  id: string;
  name: string;
}

export interface Plugin {
  id: string;
  name: string;
  description: string;
  keywords: string[];
  apiVersions: string[];
  defaultApiVersion: string;
}

export interface CredentialView {
  id: string;
  name: string;
  description: string;
  plugin: NamedRef;
  clientId: string;
  expiry: ExpiryStatus;
  /** null when the keychain could not be asked. */
  secretStored: boolean | null;
  secretSetAt: number; // unix seconds
  usedBy: NamedRef[];
  createdAt: number;
  updatedAt: number;
}

export interface NewCredential {
  name: string;
  description: string;
  plugin: string;
  clientId: string;
  clientSecret: string; // write-only: never returned by any command
  expiry: ExpiryInput;
}

export interface CredentialEdit {
  name: string;
  description: string;
  clientId: string;
  expiry?: ExpiryInput | null;
}

export interface SecretRotation {
  clientSecret: string;
  expiry: ExpiryInput;
}

export interface DestinationView {
  id: string;
  name: string;
  description: string;
  plugin: NamedRef;
  credential: { id: string; name: string; expiry: ExpiryStatus };
  tenantId: string;
  dynamicsUrl: string;
  cloud: Cloud;
  cloudLabel: string;
  region: string | null;
  authorityHost: string | null;
  apiVersion: string;
  businessUsers: boolean;
  restrictedPii: boolean;
  createdAt: number;
  updatedAt: number;
}

export interface DestinationInput {
  name: string;
  description: string;
  plugin: string;
  credentialId: string;
  tenantId: string;
  dynamicsUrl: string;
  apiVersion: string;
  businessUsers: boolean;
  restrictedPii: boolean;
}

export interface UrlCheck {
  normalized: string;
  cloud: Cloud;
  cloudLabel: string;
  region: string | null;
  authorityHost: string | null;
}

export interface FormCheck {
  fields: FieldError[];
  dynamicsUrl: UrlCheck | null;
}

export interface KeychainStatus {
  available: boolean;
  message: string;
}

export interface ExpiringCredential {
  id: string;
  name: string;
  expiry: ExpiryStatus;
  usedBy: NamedRef[];
}

export interface AppStatus {
  dataDir: string;
  keychain: KeychainStatus;
  today: string;
  expiring: ExpiringCredential[];
}
