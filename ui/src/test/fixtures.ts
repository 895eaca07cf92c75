// Sample backend records for tests, built from a few overridable defaults.
import type { CredentialView, DestinationView, ExpiryStatus } from '../api/types';

export function expiry(daysLeft: number, expiresOn = '2027-11-27'): ExpiryStatus {
  const level = daysLeft < 0 ? 'expired' : daysLeft <= 7 ? 'critical' : daysLeft <= 30 ? 'warning' : 'ok';
  const summary =
    daysLeft < 0 ? `Expired ${-daysLeft} days ago` : daysLeft === 0 ? 'Expires today' : `Expires in ${daysLeft} days`;
  return { expiresOn, daysLeft, level, summary };
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
    ...over,
  };
}
