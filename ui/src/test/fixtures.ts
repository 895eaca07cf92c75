// Sample backend records for tests, built from a few overridable defaults.
import type {
  ConnectionReport,
  CredentialView,
  DestinationView,
  ExpiryStatus,
  Preview,
  PreviewRow,
  TableColumns,
  TableDetails,
  TableInfo,
  TableList,
  TemplateView,
} from '../api/types';

export function expiry(daysLeft: number, expiresOn = '2027-11-27'): ExpiryStatus {
  const level = daysLeft < 0 ? 'expired' : daysLeft <= 7 ? 'critical' : daysLeft <= 30 ? 'warning' : 'ok';
  const summary =
    daysLeft < 0 ? `Expired ${-daysLeft} days ago` : daysLeft === 0 ? 'Expires today' : `Expires in ${daysLeft} days`;
  return { expiresOn, daysLeft, level, summary };
}

/** The expiry of a secret without an end date, as the backend reports it. */
export function neverExpires(): ExpiryStatus {
  return { expiresOn: null, daysLeft: null, level: 'never', summary: 'Never expires' };
}

export function credential(over: Partial<CredentialView> = {}): CredentialView {
  return {
    id: 'cred_1',
    name: 'Contoso app',
    description: 'Production app registration',
    plugin: { id: 'microsoft-dynamics', name: 'Microsoft Dynamics 365' },
    clientId: '11111111-2222-3333-4444-555555555555',
    expiry: expiry(365),
    secretStored: true,
    secretSetAt: 1_790_000_000,
    usedBy: [],
    createdAt: 1_790_000_000,
    updatedAt: 1_790_000_000,
    ...over,
  };
}

export function destination(over: Partial<DestinationView> = {}): DestinationView {
  return {
    id: 'dest_1',
    name: 'Sales EU',
    description: 'Contacts for the European sales team',
    plugin: { id: 'microsoft-dynamics', name: 'Microsoft Dynamics 365' },
    credential: { id: 'cred_1', name: 'Contoso app', expiry: expiry(365) },
    extraCredentials: [],
    tenantId: 'contoso.onmicrosoft.com',
    dynamicsUrl: 'https://contoso.crm4.dynamics.com',
    cloud: 'commercial',
    cloudLabel: 'Microsoft commercial cloud',
    region: 'Europe',
    authorityHost: 'login.microsoftonline.com',
    apiVersion: '9.2',
    businessUsers: true,
    restrictedPii: false,
    createdAt: 1_790_000_000,
    updatedAt: 1_790_000_000,
    lastCheck: null,
    unavailable: null,
    ...over,
  };
}

export function connectionReport(over: Partial<ConnectionReport> = {}): ConnectionReport {
  return {
    destinationId: 'dest_1',
    destinationName: 'Sales EU',
    webApiUrl: 'https://contoso.crm4.dynamics.com/api/data/v9.2',
    apiVersion: '9.2',
    organizationId: '0a1b2c3d-1111-2222-3333-444455556666',
    organizationName: 'Contoso Sales',
    userId: '9f8e7d6c-aaaa-bbbb-cccc-ddddeeeeffff',
    businessUnitId: '12121212-3434-5656-7878-909090909090',
    dopHint: 4,
    elapsedMs: 412,
    additionalUsers: [],
    ...over,
  };
}

export function tableInfo(logicalName: string, displayName: string, entitySet = `${logicalName}s`): TableInfo {
  return { logicalName, displayName, entitySet, primaryId: `${logicalName}id`, primaryName: 'name' };
}

export const sampleTables: TableInfo[] = [
  tableInfo('account', 'Account'),
  { ...tableInfo('contact', 'Contact'), primaryName: 'fullname' },
  tableInfo('lead', 'Lead'),
  tableInfo('new_loyaltycard', 'Loyalty card'),
];

export function tableList(over: Partial<TableList> = {}): TableList {
  return { destinationId: 'dest_1', fetchedAt: Math.floor(Date.now() / 1000) - 300, fromCache: true, tables: sampleTables, ...over };
}

export const contactDetails: TableDetails = {
  table: sampleTables[1],
  columns: [
    {
      logicalName: 'emailaddress1',
      displayName: 'Email',
      typeName: 'String',
      maxLength: 100,
      requiredLevel: 'None',
      validForCreate: true,
      validForUpdate: true,
      options: [],
      dateBehavior: null,
      targets: [],
    },
    {
      logicalName: 'preferredcontactmethodcode',
      displayName: 'Preferred Method of Contact',
      typeName: 'Picklist',
      maxLength: null,
      requiredLevel: 'Recommended',
      validForCreate: true,
      validForUpdate: true,
      options: [
        { value: 1, label: 'Any' },
        { value: 2, label: 'Email' },
        { value: 3, label: 'Phone' },
        { value: 4, label: 'Fax' },
        { value: 5, label: 'Mail' },
        { value: 6, label: 'Carrier pigeon' },
      ],
      dateBehavior: null,
      targets: [],
    },
    {
      logicalName: 'createdon',
      displayName: 'Created On',
      typeName: 'DateTime',
      maxLength: null,
      requiredLevel: 'SystemRequired',
      validForCreate: false,
      validForUpdate: false,
      options: [],
      dateBehavior: 'UserLocal',
      targets: [],
    },
  ],
  keys: [{ logicalName: 'new_contact_email_key', columns: ['emailaddress1'], indexStatus: 'Active' }],
  lookups: [
    {
      schemaName: 'contact_customer_accounts',
      column: 'parentcustomerid',
      navigationProperty: 'parentcustomerid_account',
      targetTable: 'account',
      targetColumn: 'accountid',
    },
  ],
};

/**
 * The contact table with more kinds of column, for the template dialog: user-local and date-only
 * date-times, a customer lookup to two tables and a lookup to one.
 */
export const contactDetailsForTemplates: TableDetails = {
  ...contactDetails,
  columns: [
    ...contactDetails.columns,
    {
      logicalName: 'lastcontactedon',
      displayName: 'Last Contacted',
      typeName: 'DateTime',
      maxLength: null,
      requiredLevel: 'None',
      validForCreate: true,
      validForUpdate: true,
      options: [],
      dateBehavior: 'UserLocal',
      targets: [],
    },
    {
      logicalName: 'birthdate',
      displayName: 'Birthday',
      typeName: 'DateTime',
      maxLength: null,
      requiredLevel: 'None',
      validForCreate: true,
      validForUpdate: true,
      options: [],
      dateBehavior: 'DateOnly',
      targets: [],
    },
    {
      logicalName: 'parentcustomerid',
      displayName: 'Company Name',
      typeName: 'Customer',
      maxLength: null,
      requiredLevel: 'None',
      validForCreate: true,
      validForUpdate: true,
      options: [],
      dateBehavior: null,
      targets: ['account', 'contact'],
    },
    {
      logicalName: 'new_loyaltycardid',
      displayName: 'Loyalty card',
      typeName: 'Lookup',
      maxLength: null,
      requiredLevel: 'None',
      validForCreate: true,
      validForUpdate: true,
      options: [],
      dateBehavior: null,
      targets: ['new_loyaltycard'],
    },
  ],
};

/** An account table whose records an alternate key on the account number finds. */
export const accountDetails: TableDetails = {
  table: sampleTables[0],
  columns: [
    {
      logicalName: 'name',
      displayName: 'Account Name',
      typeName: 'String',
      maxLength: 160,
      requiredLevel: 'ApplicationRequired',
      validForCreate: true,
      validForUpdate: true,
      options: [],
      dateBehavior: null,
      targets: [],
    },
    {
      logicalName: 'accountnumber',
      displayName: 'Account Number',
      typeName: 'String',
      maxLength: 20,
      requiredLevel: 'None',
      validForCreate: true,
      validForUpdate: true,
      options: [],
      dateBehavior: null,
      targets: [],
    },
  ],
  keys: [{ logicalName: 'new_account_number_key', columns: ['accountnumber'], indexStatus: 'Active' }],
  lookups: [],
};

/** A loyalty card table without alternate keys: its records are found by id only. */
export const loyaltyCardDetails: TableDetails = {
  table: sampleTables[3],
  columns: [],
  keys: [],
  lookups: [],
};

export function tableColumns(over: Partial<TableColumns> = {}): TableColumns {
  return { destinationId: 'dest_1', fetchedAt: Math.floor(Date.now() / 1000) - 300, fromCache: true, details: contactDetails, ...over };
}

/** The columns of whichever sample table is asked for (the fuller contact when the table is unknown). */
export function tableColumnsOf(table: string): TableColumns {
  const details = table === 'account' ? accountDetails : table === 'new_loyaltycard' ? loyaltyCardDetails : contactDetailsForTemplates;
  return tableColumns({ details });
}

export function templateView(over: Partial<TemplateView> = {}): TemplateView {
  return {
    id: 'tpl_1',
    name: 'Newsletter to contacts',
    description: 'Sign-ups from the website',
    destination: { id: 'dest_1', name: 'Sales EU' },
    source: { kind: 'query', id: 'qry_1' },
    table: 'contact',
    mapping: {
      operation: { kind: 'upsertByKey', key: 'new_contact_email_key' },
      fields: [{ column: 'emailaddress1', source: { kind: 'column', name: 'email' }, choiceOverrides: {} }],
      timeZone: 'Europe/Paris',
    },
    businessUsers: true,
    restrictedPii: true,
    campaigns: false,
    createdAt: 1_790_000_000,
    updatedAt: 1_790_000_000,
    unavailable: null,
    ...over,
  };
}

/** A preview of three rows: one ready, one with a warning, one with an error and no request. */
export function preview(over: Partial<Preview> = {}): Preview {
  const rows: PreviewRow[] = [
    {
      index: 0,
      verdict: 'ready',
      findings: [],
      source: ['ana@example.com', 'Email'],
      record: { emailaddress1: 'ana@example.com', preferredcontactmethodcode: 2 },
      request: {
        method: 'PATCH',
        url: "https://contoso.crm4.dynamics.com/api/data/v9.2/contacts(emailaddress1='ana%40example.com')",
        headers: [
          ['Content-Type', 'application/json'],
          ['OData-Version', '4.0'],
        ],
        body: '{"emailaddress1":"ana@example.com","preferredcontactmethodcode":2}',
      },
    },
    {
      index: 1,
      verdict: 'warning',
      findings: [{ column: 'preferredcontactmethodcode', verdict: 'warning', message: 'No choice is called “Pigeon”; left out.' }],
      source: ['bo@example.com', 'Pigeon'],
      record: { emailaddress1: 'bo@example.com' },
      request: {
        method: 'PATCH',
        url: "https://contoso.crm4.dynamics.com/api/data/v9.2/contacts(emailaddress1='bo%40example.com')",
        headers: [['Content-Type', 'application/json']],
        body: '{"emailaddress1":"bo@example.com"}',
      },
    },
    {
      index: 2,
      verdict: 'error',
      findings: [{ column: 'emailaddress1', verdict: 'error', message: 'The key column is empty, so no record can be found.' }],
      source: [null, 'Email'],
      record: {},
      request: null,
    },
  ];
  return {
    template: { id: 'tpl_1', name: 'Newsletter to contacts' },
    columns: [
      { name: 'email', type: 'text', pii: true },
      { name: 'contact_method', type: 'text', pii: false },
    ],
    total: 3,
    ready: 1,
    warning: 1,
    error: 1,
    complete: true,
    dropped: [],
    warnings: [],
    unusedSources: [],
    rows,
    piiHidden: false,
    ...over,
  };
}
