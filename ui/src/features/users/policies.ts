// The five policies as the Users tab offers them: the backend's labels, with a line each on
// what the policy lets a user do (the backend's rule table decides; this only describes it).
import type { Policy } from '../../api/types';

export interface PolicyChoice {
  value: Policy;
  label: string;
  description: string;
}

export const POLICIES: readonly PolicyChoice[] = [
  { value: 'amp360', label: 'Amp360 User', description: 'Runs queries and sends their results.' },
  { value: 'ampiq', label: 'AmpIQ User', description: 'Builds segments and campaigns.' },
  {
    value: 'amp360+ampiq',
    label: 'Amp360 User + AmpIQ User',
    description: 'Both: queries and their results, segments and campaigns.',
  },
  {
    value: 'operator',
    label: 'DataGrid Operator',
    description: 'Looks after the data, queries, segments, credentials, destinations and templates.',
  },
  {
    value: 'administrator',
    label: 'DataGrid Administrator',
    description: 'Everything an operator does, plus managing users and reading the activity log.',
  },
];
