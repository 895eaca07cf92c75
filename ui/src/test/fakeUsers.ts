// A small in-memory stand-in for the users, the acting user and the activity log, so the tests
// of the user menu, the Users and Activity tabs and the permission-dependent screens talk to
// something that behaves: switching changes what whoami answers, users are validated the way
// the backend does (names, the last administrator), and activity pages are filtered, ordered and
// paged. Like the real backend, it refuses what the acting user's policy does not allow.
//
// It follows the contract's shapes and error codes, not the backend's internals. Its rule table
// mirrors core's `policy::allowed` (see the_rule_table in src-tauri/core/src/policy.rs).
/* eslint-disable @typescript-eslint/require-await, @typescript-eslint/only-throw-error */
import type {
  Action,
  ActivityEntry,
  ActivityPage,
  ActivityQuery,
  AppError,
  ChainProblem,
  FieldError,
  Me,
  Policy,
  UserInput,
  UserView,
  VerifyReport,
} from '../api/types';
import { TODAY } from './fakeData';

export const POLICY_LABELS: Record<Policy, string> = {
  amp360: 'Amp360 User',
  ampiq: 'AmpIQ User',
  'amp360+ampiq': 'Amp360 User + AmpIQ User',
  operator: 'DataGrid Operator',
  administrator: 'DataGrid Administrator',
};

const EVERYONE: Action[] = ['viewStatus', 'changePreferences', 'listUsers', 'readDestinations', 'testConnection', 'readData', 'useTemplates', 'sendData'];
const OPERATOR: Action[] = [
  'readCredentials',
  'manageCredentials',
  'manageDestinations',
  'browseTables',
  'importData',
  'markPii',
  'runSandbox',
  'runQueries',
  'manageQueries',
  'readSegments',
  'manageSegments',
  'manageTemplates',
  'addToMarketingLists',
];

/** What each policy may do, as core's rule table says. */
export function permissionsOf(policy: Policy): Action[] {
  switch (policy) {
    case 'amp360':
      return [...EVERYONE, 'runQueries', 'manageQueries'];
    case 'ampiq':
      return [...EVERYONE, 'readSegments', 'manageSegments', 'addToMarketingLists'];
    case 'amp360+ampiq':
      return [...EVERYONE, 'runQueries', 'manageQueries', 'readSegments', 'manageSegments', 'addToMarketingLists'];
    case 'operator':
      return [...EVERYONE, ...OPERATOR];
    case 'administrator':
      return [...EVERYONE, ...OPERATOR, 'manageUsers', 'readActivity', 'restoreSettings'];
  }
}

const CREATED = 1_790_000_000;

function user(id: string, name: string, policy: Policy, restrictPii = false, disabled = false): UserView {
  return { id, name, policy, policyLabel: POLICY_LABELS[policy], restrictPii, disabled, createdAt: CREATED, updatedAt: CREATED };
}

/** The seeded users: an administrator (acting), an operator and three business users, one disabled. */
function seedUsers(): UserView[] {
  return [
    user('usr_ana', 'Ana', 'administrator'),
    user('usr_bo', 'Bo', 'operator'),
    user('usr_dana', 'Dana', 'ampiq'),
    user('usr_sam', 'Sam', 'amp360', true),
    user('usr_kim', 'Kim', 'amp360+ampiq', false, true),
  ];
}

/** Milliseconds of `iso` (a day) at hh:mm UTC. */
export function at(iso: string, hh = 9, mm = 0): number {
  const [y, m, d] = iso.split('-').map(Number);
  return Date.UTC(y, m - 1, d, hh, mm);
}

const DATE = /^\d{4}-\d{2}-\d{2}$/;

function invalid(fields: FieldError[]): AppError {
  return { code: 'validation', message: fields.map((f) => f.message).join(' '), fields };
}

export class FakeUsersStore {
  users: UserView[] = seedUsers();
  actingId = 'usr_ana';
  /** Oldest first, as the log is written; pages answer newest first. */
  entries: ActivityEntry[] = [];
  /** What the next activity_export answers (null: the save dialog was closed). */
  nextExportPath: string | null = '/home/ana/activity.csv';
  /** Breaks in the chain activity_verify reports; none: intact. */
  chainProblems: ChainProblem[] = [];
  private seq = 0;
  private added = 0;

  reset() {
    this.users = seedUsers();
    this.actingId = 'usr_ana';
    this.entries = [];
    this.nextExportPath = '/home/ana/activity.csv';
    this.chainProblems = [];
    this.seq = 0;
    this.added = 0;
    this.seedActivity();
  }

  constructor() {
    this.reset();
  }

  /** The acting user. */
  acting(): UserView {
    const u = this.users.find((x) => x.id === this.actingId);
    if (!u) throw new Error('the acting user is gone');
    return u;
  }

  /** Acts as `name` from now on, as if the user had switched (no log entry). */
  actAs(name: string) {
    const u = this.users.find((x) => x.name === name);
    if (!u) throw new Error(`no fake user ${name}`);
    this.actingId = u.id;
  }

  /** Appends an entry, as an operation would. */
  record(e: Partial<ActivityEntry> & Pick<ActivityEntry, 'kind' | 'action' | 'summary'>): ActivityEntry {
    const me = this.users.find((x) => x.id === this.actingId);
    const entry: ActivityEntry = {
      seq: ++this.seq,
      atMs: at(TODAY, 12) + this.seq * 60_000,
      userId: me?.id ?? 'ferry',
      userName: me?.name ?? 'Ferry (start-up)',
      target: '',
      outcome: 'ok',
      revealsPii: false,
      details: {},
      hash: `h${this.seq}`,
      ...e,
    };
    this.entries.push(entry);
    return entry;
  }

  /** `n` more plain entries, for paging: "Ran query 1", "Ran query 2", … */
  addRuns(n: number, userName = 'Bo') {
    for (let i = 1; i <= n; i++) {
      this.record({ kind: 'query', action: 'query.run', summary: `Ran query ${i}`, userName, userId: 'usr_bo', target: `Query ${i}` });
    }
  }

  private seedActivity() {
    const as = (name: string) => {
      const u = this.users.find((x) => x.name === name);
      return u ? { userId: u.id, userName: u.name } : { userId: 'ferry', userName: 'Ferry (start-up)' };
    };
    this.record({
      ...as('Ferry'),
      atMs: at('2026-11-20'),
      kind: 'config',
      action: 'destination.add',
      target: 'Local sandbox',
      summary: 'Added destination Local sandbox',
      details: { after: { name: 'Local sandbox', dynamicsUrl: 'http://127.0.0.1:8731', businessUsers: true } },
    });
    this.record({
      ...as('Ana'),
      atMs: at('2026-11-21'),
      kind: 'users',
      action: 'user.add',
      target: 'Sam',
      summary: 'Added Sam as Amp360 User, with Restrict PII access',
      details: { after: { name: 'Sam', policy: 'amp360', restrictPii: true } },
    });
    this.record({
      ...as('Bo'),
      atMs: at('2026-11-22'),
      kind: 'data',
      action: 'data.import',
      target: 'customers',
      summary: 'Imported 40 rows into customers',
      details: { rows: 40, rejected: 0 },
    });
    this.record({
      ...as('Sam'),
      atMs: at('2026-11-24'),
      kind: 'query',
      action: 'query.run',
      target: 'Gold customers',
      summary: 'Ran Gold customers',
      revealsPii: true,
      details: { sql: "SELECT * FROM customers WHERE loyalty_tier = 'Gold'", rows: 10, piiColumns: ['email'] },
    });
    this.record({
      ...as('Dana'),
      atMs: at('2026-11-25'),
      kind: 'access',
      action: 'access.refused',
      summary: 'Refused: run queries',
      outcome: 'refused',
      details: { message: 'Dana (AmpIQ User) may not run queries; Amp360 User may.' },
    });
    this.record({
      ...as('Ana'),
      atMs: at('2026-11-26'),
      kind: 'users',
      action: 'user.update',
      target: 'Dana',
      summary: 'Changed user Dana: policy, Restrict PII access',
      details: { changes: { policy: { before: 'amp360', after: 'ampiq' }, restrictPii: { before: true, after: false } } },
    });
    this.record({
      ...as('Bo'),
      atMs: at('2026-11-27', 8),
      kind: 'connection',
      action: 'connection.test',
      target: 'Sales EU',
      summary: 'Tested the connection to Sales EU',
      outcome: 'failed',
      details: { error: { code: 'auth_failed', message: 'The client secret was not accepted.' } },
    });
  }

  /** The backend's refusal, naming the user, their policy and who may. */
  private allow(action: Action, what: string) {
    const me = this.acting();
    if (permissionsOf(me.policy).includes(action)) return;
    const who = (Object.keys(POLICY_LABELS) as Policy[]).filter((p) => permissionsOf(p).includes(action)).map((p) => POLICY_LABELS[p]);
    throw {
      code: 'forbidden',
      message: `${me.name} (${me.policyLabel}) may not ${what}; ${who.join(' or ')} may.`,
    } satisfies AppError;
  }

  private find(idOrName: string): UserView {
    const u = this.users.find((x) => x.id === idOrName || x.name.toLowerCase() === idOrName.toLowerCase());
    if (!u) throw { code: 'not_found', message: `No Ferry user is named "${idOrName}".` } satisfies AppError;
    return u;
  }

  private problems(input: UserInput, exceptId: string | null): FieldError[] {
    const out: FieldError[] = [];
    const name = input.name.trim();
    if (!name) out.push({ field: 'name', message: 'Enter a name for the user.' });
    else if (name.length > 64) out.push({ field: 'name', message: 'The name is longer than 64 characters.' });
    else if (this.users.some((u) => u.id !== exceptId && u.name.toLowerCase() === name.toLowerCase()))
      out.push({ field: 'name', message: `A user named "${name}" already exists: choose another name.` });
    return out;
  }

  /** Whether `id` is the last enabled administrator. */
  private lastAdmin(id: string): boolean {
    const admins = this.users.filter((u) => u.policy === 'administrator' && !u.disabled);
    return admins.length === 1 && admins[0].id === id;
  }

  private lastAdminError(name: string): AppError {
    return {
      code: 'in_use',
      message: `${name} is the last enabled DataGrid Administrator: make another user an administrator first, so someone can still manage users.`,
    };
  }

  // --- Commands -------------------------------------------------------------------------------

  whoami = async (): Promise<Me> => {
    const me = this.acting();
    return { user: { ...me }, permissions: permissionsOf(me.policy) };
  };

  switchUser = async (who: string): Promise<Me> => {
    const u = this.find(who);
    if (u.disabled) throw invalid([{ field: 'user', message: `${u.name} is disabled: ask an administrator to enable them.` }]);
    const from = this.acting().name;
    this.actingId = u.id;
    this.record({ kind: 'session', action: 'session.switch', target: u.name, summary: `Switched from ${from} to ${u.name}` });
    return this.whoami();
  };

  listUsers = async (): Promise<UserView[]> => {
    this.allow('listUsers', 'see the users');
    return [...this.users].sort((a, b) => a.name.localeCompare(b.name)).map((u) => ({ ...u }));
  };

  checkUser = async (input: UserInput, exceptId: string | null = null): Promise<FieldError[]> => {
    this.allow('manageUsers', 'manage users');
    return this.problems(input, exceptId);
  };

  createUser = async (input: UserInput): Promise<UserView> => {
    this.allow('manageUsers', 'manage users');
    const problems = this.problems(input, null);
    if (problems.length > 0) throw invalid(problems);
    const u = user(`usr_new${++this.added}`, input.name.trim(), input.policy, input.restrictPii);
    this.users.push(u);
    this.record({ kind: 'users', action: 'user.add', target: u.name, summary: `Added ${u.name} as ${u.policyLabel}`, details: { after: { ...input } } });
    return { ...u };
  };

  updateUser = async (id: string, input: UserInput): Promise<UserView> => {
    this.allow('manageUsers', 'manage users');
    const i = this.users.findIndex((u) => u.id === id);
    if (i < 0) throw { code: 'not_found', message: 'That user is gone.' } satisfies AppError;
    const problems = this.problems(input, id);
    if (problems.length > 0) throw invalid(problems);
    const old = this.users[i];
    if (old.policy === 'administrator' && input.policy !== 'administrator' && this.lastAdmin(id)) throw this.lastAdminError(old.name);
    const next = { ...old, name: input.name.trim(), policy: input.policy, policyLabel: POLICY_LABELS[input.policy], restrictPii: input.restrictPii, updatedAt: old.updatedAt + 1 };
    this.users[i] = next;
    const changes: Record<string, { before: unknown; after: unknown }> = {};
    for (const k of ['name', 'policy', 'restrictPii'] as const) if (old[k] !== next[k]) changes[k] = { before: old[k], after: next[k] };
    this.record({ kind: 'users', action: 'user.update', target: next.name, summary: `Changed user ${next.name}`, details: { changes } });
    return { ...next };
  };

  setUserDisabled = async (id: string, disabled: boolean): Promise<UserView> => {
    this.allow('manageUsers', 'manage users');
    const i = this.users.findIndex((u) => u.id === id);
    if (i < 0) throw { code: 'not_found', message: 'That user is gone.' } satisfies AppError;
    const old = this.users[i];
    if (disabled && old.policy === 'administrator' && this.lastAdmin(id)) throw this.lastAdminError(old.name);
    this.users[i] = { ...old, disabled };
    this.record({ kind: 'users', action: disabled ? 'user.disable' : 'user.enable', target: old.name, summary: `${disabled ? 'Disabled' : 'Enabled'} ${old.name}` });
    return { ...this.users[i] };
  };

  private matching(query: ActivityQuery): ActivityEntry[] {
    const fields: FieldError[] = [];
    const bad = (v: string | null) => v !== null && (!DATE.test(v) || Number.isNaN(Date.parse(`${v}T00:00:00Z`)));
    if (bad(query.since)) fields.push({ field: 'since', message: 'Enter the start date as YYYY-MM-DD, e.g. 2026-11-01.' });
    if (bad(query.until)) fields.push({ field: 'until', message: 'Enter the end date as YYYY-MM-DD, e.g. 2026-11-30.' });
    if (fields.length === 0 && query.since && query.until && query.since > query.until)
      fields.push({ field: 'until', message: 'The end date is before the start date.' });
    if (fields.length > 0) throw invalid(fields);
    const from = query.since ? at(query.since, 0) : -Infinity;
    const to = query.until ? at(query.until, 0) + 86_400_000 : Infinity;
    return this.entries
      .filter(
        (e) =>
          (!query.user || e.userName === query.user) &&
          (!query.kind || e.kind === query.kind) &&
          (!query.revealsPii || e.revealsPii) &&
          e.atMs >= from &&
          e.atMs < to,
      )
      .sort((a, b) => b.seq - a.seq);
  }

  activityPage = async (query: ActivityQuery, offset: number, limit: number): Promise<ActivityPage> => {
    this.allow('readActivity', 'read the activity log');
    if (limit > 500) throw invalid([{ field: 'limit', message: 'Ask for at most 500 entries at a time.' }]);
    const all = this.matching(query);
    return {
      entries: all.slice(offset, offset + limit).map((e) => structuredClone(e)),
      offset,
      total: all.length,
      users: [...new Set(this.entries.map((e) => e.userName))].sort(),
      kinds: [...new Set(this.entries.map((e) => e.kind))].sort(),
    };
  };

  activityVerify = async (): Promise<VerifyReport> => {
    this.allow('readActivity', 'verify the activity log');
    return { entries: this.entries.length, intact: this.chainProblems.length === 0, problems: [...this.chainProblems] };
  };

  activityExport = async (query: ActivityQuery): Promise<string | null> => {
    this.allow('readActivity', 'export the activity log');
    this.matching(query);
    return this.nextExportPath;
  };
}
