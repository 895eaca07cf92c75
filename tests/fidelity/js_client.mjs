// Drives the Ferry sandbox with the npm package dynamics-web-api (2.x), used as published.
//
// The library takes a token callback; the callback here signs in with client credentials at
// the sandbox's own token endpoint, exactly as it would at login.microsoftonline.com. Trust in
// the sandbox's CA comes from NODE_EXTRA_CA_CERTS (set by run.sh): configuration, not code.
//
// Usage: node js_client.mjs SANDBOX_JSON   (the `ferry --json sandbox` line)
// Prints one line per check and a closing "N passed, N failed" line; exits non-zero on failure.

import { randomUUID } from "node:crypto";
import { connect, sandboxInfo } from "./sandbox_client.mjs";

const info = sandboxInfo(process.argv[2]);
const tag = randomUUID().slice(0, 8);
const results = [];

const api = connect(info);

function assert(cond, message) {
  if (!cond) throw new Error(message);
}

async function check(name, fn) {
  try {
    await fn();
    results.push(true);
    console.log(`ok   ${name}`);
  } catch (e) {
    results.push(false);
    console.log(`FAIL ${name}: ${e?.stack ?? e}`);
  }
}

await check("create and update a contact", async () => {
  const id = await api.create({ collection: "contacts", data: { firstname: "Js", lastname: "Node" } });
  assert(/^[0-9a-f-]{36}$/.test(id), `create returns the id: ${id}`);
  await api.update({ collection: "contacts", key: id, data: { jobtitle: "Tester" } });
  const rec = await api.retrieve({ collection: "contacts", key: id, select: ["fullname", "jobtitle"] });
  assert(rec.jobtitle === "Tester" && rec.fullname === "Js Node", `the update landed: ${JSON.stringify(rec)}`);
});

await check("upsert by alternate key creates then updates one row", async () => {
  const key = `emailaddress1='js-${tag}@example.com'`;
  await api.upsert({ collection: "contacts", key, data: { lastname: "One" } });
  await api.upsert({ collection: "contacts", key, data: { lastname: "Two" } });
  const rec = await api.retrieve({ collection: "contacts", key, select: ["lastname"] });
  assert(rec.lastname === "Two", `the second upsert updated: ${JSON.stringify(rec)}`);
  const created = await api.upsert({ collection: "accounts", key: `accountnumber='JS-${tag}'`, data: { name: "Js Co" }, ifnonematch: "*" });
  assert(created === null || created === undefined || typeof created === "object", "create-only upsert succeeds");
  let refused = null;
  try {
    await api.upsert({ collection: "accounts", key: `accountnumber='JS-${tag}'`, data: { name: "again" }, ifnonematch: "*" });
  } catch (e) {
    refused = e;
  }
  // NOTE: dynamics-web-api deliberately swallows 412 for If-None-Match upserts (it returns null),
  // so either outcome shows the sandbox answered 412 rather than updating.
  const acct = await api.retrieve({ collection: "accounts", key: `accountnumber='JS-${tag}'`, select: ["name"] });
  assert(acct.name === "Js Co", `If-None-Match: * did not update: ${JSON.stringify(acct)} ${refused}`);
});

await check("a $batch of 50 creates in a change set", async () => {
  api.startBatch();
  for (let i = 0; i < 50; i++) {
    api.create({ collection: "contacts", data: { lastname: `Batch ${i}`, emailaddress1: `b${i}-${tag}@example.com` } });
  }
  const out = await api.executeBatch();
  assert(out.length === 50, `50 results: ${out.length}`);
  assert(out.every((id) => /^[0-9a-f-]{36}$/.test(id)), `every result is an id: ${JSON.stringify(out.slice(0, 3))}`);
});

await check("CreateMultiple and UpsertMultiple through callAction", async () => {
  const targets = Array.from({ length: 20 }, (_, i) => ({
    "@odata.type": "Microsoft.Dynamics.CRM.contact",
    lastname: `Multi ${i}`,
  }));
  const created = await api.callAction({ collection: "contacts", actionName: "Microsoft.Dynamics.CRM.CreateMultiple", action: { Targets: targets } });
  assert(created?.Ids?.length === 20, `20 ids: ${JSON.stringify(created)}`);
  const upserts = Array.from({ length: 20 }, (_, i) => ({
    "@odata.type": "Microsoft.Dynamics.CRM.contact",
    "@odata.id": `contacts(emailaddress1='m${i}-${tag}@example.com')`,
    lastname: `Upserted ${i}`,
  }));
  await api.callAction({ collection: "contacts", actionName: "Microsoft.Dynamics.CRM.UpsertMultiple", action: { Targets: upserts } });
  const rec = await api.retrieve({ collection: "contacts", key: `emailaddress1='m7-${tag}@example.com'`, select: ["lastname"] });
  assert(rec.lastname === "Upserted 7", `UpsertMultiple created the keyed row: ${JSON.stringify(rec)}`);
});

await check("a failing request surfaces Dataverse's error", async () => {
  try {
    await api.create({ collection: "contacts", data: { emailaddress1: "x".repeat(101) } });
  } catch (e) {
    assert(e.status === 400, `status 400: ${e.status}`);
    assert(e.code === "0x80044331", `the MaxLength code: ${e.code} ${e.message}`);
    return;
  }
  throw new Error("a 101-character e-mail was accepted");
});

await check("a continue-on-error batch reports the failed part and keeps the rest", async () => {
  api.startBatch();
  api.create({ collection: "contacts", data: { lastname: "kept" }, inChangeSet: false });
  api.create({ collection: "contacts", data: { nosuchcolumn: 1 }, inChangeSet: false });
  api.create({ collection: "contacts", data: { lastname: "kept too" }, inChangeSet: false });
  const out = await api.executeBatch({ continueOnError: true });
  assert(out.length === 3, `three results: ${JSON.stringify(out)}`);
  const failed = out.filter((r) => r instanceof Error || r?.status >= 400);
  assert(failed.length === 1, `exactly one failure: ${JSON.stringify(out)}`);
});

// Reads and queries, the way dynamics-web-api's README shows them, over rows written here
// first. Every query is narrowed to this run's rows (jobtitle = QTAG): the demo profile seeds
// contacts of its own, and the checks above add more.
const ROWS = 12000;
const QTAG = `Q-${tag}`;
const QFILTER = `jobtitle eq '${QTAG}'`;
// Mixed case on purpose: Dataverse compares and sorts text case-insensitively.
const NAMES = ["alpha", "Bravo", "charlie", "Delta", "echo", "Foxtrot", "golf", "Hotel", "india", "Juliet", "kilo"];
const BOUND = 25;
const accountName = `Query Co ${tag}`;
let accountId = null;

function qrow(i) {
  return {
    firstname: `F${String(i).padStart(5, "0")}`,
    lastname: NAMES[i % NAMES.length],
    numberofchildren: i % 7,
    gendercode: 1 + (i % 2),
    jobtitle: QTAG,
    emailaddress1: `q${i}-${tag}@example.com`,
  };
}
const ROWS_WRITTEN = Array.from({ length: ROWS }, (_, i) => qrow(i));
const BOUND_ROWS = ROWS_WRITTEN.slice(0, BOUND);

function sameList(got, want, what) {
  assert(got.length === want.length, `${what}: ${got.length} rows, expected ${want.length}`);
  const i = got.findIndex((g, k) => g !== want[k]);
  assert(i === -1, `${what}: row ${i} is ${got[i]}, expected ${want[i]}`);
}

function exactlyOnce(emails, want, what) {
  const seen = new Set(emails);
  assert(seen.size === emails.length, `${what}: ${emails.length - seen.size} rows came twice`);
  const missing = want.filter((e) => !seen.has(e));
  assert(missing.length === 0 && emails.length === want.length, `${what}: ${emails.length} rows, ${missing.length} missing (e.g. ${missing[0]})`);
}

await check(`CreateMultiple writes ${ROWS} contacts to query (${BOUND} under one account)`, async () => {
  accountId = await api.create({ collection: "accounts", data: { name: accountName, accountnumber: `Q-${tag}` } });
  for (let start = 0; start < ROWS; start += 1000) {
    const targets = ROWS_WRITTEN.slice(start, start + 1000).map((r, k) => ({
      "@odata.type": "Microsoft.Dynamics.CRM.contact",
      ...r,
      ...(start + k < BOUND ? { "parentcustomerid_account@odata.bind": `/accounts(${accountId})` } : {}),
    }));
    const out = await api.callAction({ collection: "contacts", actionName: "Microsoft.Dynamics.CRM.CreateMultiple", action: { Targets: targets } });
    assert(out?.Ids?.length === targets.length, `${targets.length} ids from rows ${start}..: ${out?.Ids?.length}`);
  }
});

await check("retrieveAll with maxPageSize reads every row exactly once", async () => {
  const all = await api.retrieveAll({ collection: "contacts", select: ["emailaddress1"], filter: QFILTER, maxPageSize: 5000 });
  exactlyOnce(all.value.map((r) => r.emailaddress1), ROWS_WRITTEN.map((r) => r.emailaddress1), "retrieveAll");
});

await check("retrieveMultiple pages by maxPageSize and oDataNextLink", async () => {
  const request = { collection: "contacts", select: ["emailaddress1"], filter: QFILTER, maxPageSize: 2500 };
  let page = await api.retrieveMultiple(request);
  const sizes = [page.value.length];
  const emails = page.value.map((r) => r.emailaddress1);
  while (page.oDataNextLink) {
    page = await api.retrieveMultiple(request, page.oDataNextLink);
    sizes.push(page.value.length);
    emails.push(...page.value.map((r) => r.emailaddress1));
  }
  sameList(sizes.map(String), ["2500", "2500", "2500", "2500", "2000"], "page sizes");
  exactlyOnce(emails, ROWS_WRITTEN.map((r) => r.emailaddress1), "pages");
});

await check("count with a filter stops at the documented 5,000", async () => {
  const n = await api.count({ collection: "contacts", filter: QFILTER });
  assert(n === 5000, `count of ${ROWS} rows: ${n}`);
});

await check("count with a filter under 5,000 is exact", async () => {
  const n = await api.count({ collection: "contacts", filter: `${QFILTER} and numberofchildren eq 3 and startswith(firstname,'F01')` });
  const want = ROWS_WRITTEN.filter((r) => r.numberofchildren === 3 && r.firstname.startsWith("F01")).length;
  assert(n === want, `count: ${n}, expected ${want}`);
});

await check("count without a filter (contacts/$count) stops at 5,000", async () => {
  const n = await api.count({ collection: "contacts" });
  assert(n === 5000, `more than ${ROWS} contacts counted as ${n}`);
});

await check("countAll pages through and counts every row", async () => {
  const n = await api.countAll({ collection: "contacts", filter: QFILTER, select: ["contactid"] });
  assert(n === ROWS, `countAll: ${n}`);
});

await check("retrieveMultiple with count: true returns oDataCount beside the first page", async () => {
  const want = ROWS_WRITTEN.filter((r) => r.numberofchildren === 3).length;
  const page = await api.retrieveMultiple({ collection: "contacts", select: ["firstname"], filter: `${QFILTER} and numberofchildren eq 3`, count: true, maxPageSize: 100 });
  assert(page.oDataCount === want, `oDataCount: ${page.oDataCount}, expected ${want}`);
  assert(page.value.length === 100 && page.oDataNextLink, `a first page of 100 with a next link: ${page.value.length} ${page.oDataNextLink}`);
});

await check("filter with or, parentheses, not and startswith", async () => {
  const filter = `${QFILTER} and (numberofchildren eq 0 or lastname eq 'delta') and not startswith(firstname,'F0')`;
  const all = await api.retrieveAll({ collection: "contacts", select: ["emailaddress1"], filter });
  const want = ROWS_WRITTEN.filter((r) => (r.numberofchildren === 0 || r.lastname.toLowerCase() === "delta") && !r.firstname.startsWith("F0"));
  assert(want.length > 0, "the expected set is not empty");
  exactlyOnce(all.value.map((r) => r.emailaddress1), want.map((r) => r.emailaddress1), "or-filter");
});

await check("orderBy two columns, across pages, matches the order computed here", async () => {
  const all = await api.retrieveAll({
    collection: "contacts",
    select: ["lastname", "numberofchildren", "emailaddress1"],
    filter: QFILTER,
    orderBy: ["lastname asc", "numberofchildren desc"],
    maxPageSize: 5000,
  });
  const key = (r) => `${r.lastname.toLowerCase()}|${r.numberofchildren}`;
  const want = [...ROWS_WRITTEN].sort((a, b) => {
    const l = a.lastname.toLowerCase().localeCompare(b.lastname.toLowerCase());
    return l !== 0 ? l : b.numberofchildren - a.numberofchildren;
  });
  sameList(all.value.map(key), want.map(key), "order");
  exactlyOnce(all.value.map((r) => r.emailaddress1), ROWS_WRITTEN.map((r) => r.emailaddress1), "ordered pages");
});

await check("top with orderBy returns the first rows only", async () => {
  const page = await api.retrieveMultiple({ collection: "contacts", select: ["firstname"], filter: QFILTER, orderBy: ["firstname desc"], top: 5 });
  sameList(page.value.map((r) => r.firstname), ["F11999", "F11998", "F11997", "F11996", "F11995"], "top 5");
  assert(!page.oDataNextLink, `no next link under $top: ${page.oDataNextLink}`);
});

await check("retrieve a contact by alternate key with its parent account expanded", async () => {
  const rec = await api.retrieve({
    collection: "contacts",
    key: `emailaddress1='q3-${tag}@example.com'`,
    select: ["fullname"],
    expand: [{ property: "parentcustomerid_account", select: ["name", "accountnumber"] }],
  });
  assert(rec.fullname === "F00003 Delta", `fullname: ${rec.fullname}`);
  const parent = rec.parentcustomerid_account;
  assert(parent?.name === accountName && parent?.accountid === accountId, `the parent account: ${JSON.stringify(parent)}`);
});

await check("retrieveMultiple filtered on a lookup expands the parent on every row", async () => {
  const page = await api.retrieveMultiple({
    collection: "contacts",
    select: ["emailaddress1"],
    filter: `_parentcustomerid_value eq ${accountId}`,
    expand: [{ property: "parentcustomerid_account", select: ["name"] }],
  });
  exactlyOnce(page.value.map((r) => r.emailaddress1), BOUND_ROWS.map((r) => r.emailaddress1), "bound contacts");
  assert(page.value.every((r) => r.parentcustomerid_account?.name === accountName), `every row carries its account: ${JSON.stringify(page.value[0])}`);
});

await check("retrieve an account with its contacts expanded, filtered, ordered and topped", async () => {
  const rec = await api.retrieve({
    collection: "accounts",
    key: accountId,
    select: ["name"],
    expand: [{ property: "contact_customer_accounts", select: ["firstname"], filter: "numberofchildren ge 3", orderBy: ["firstname desc"], top: 4 }],
  });
  const want = BOUND_ROWS.filter((r) => r.numberofchildren >= 3).map((r) => r.firstname).sort().reverse().slice(0, 4);
  sameList((rec.contact_customer_accounts ?? []).map((r) => r.firstname), want, "expanded contacts");
});

await check("includeAnnotations returns formatted values and lookup annotations", async () => {
  const formatted = await api.retrieveMultiple({
    collection: "contacts",
    select: ["firstname", "gendercode", "_parentcustomerid_value"],
    filter: `_parentcustomerid_value eq ${accountId}`,
    orderBy: ["firstname asc"],
    top: 2,
    includeAnnotations: "OData.Community.Display.V1.FormattedValue",
  });
  const [a, b] = formatted.value;
  assert(a?.gendercode_Formatted === "Male" && b?.gendercode_Formatted === "Female", `gender labels: ${JSON.stringify(formatted.value)}`);
  assert(a._parentcustomerid_value_Formatted === accountName, `the lookup's name: ${JSON.stringify(a)}`);
  assert(a._parentcustomerid_value_LogicalName === undefined, `only the annotation asked for: ${JSON.stringify(a)}`);
  const all = await api.retrieve({ collection: "contacts", key: `emailaddress1='q0-${tag}@example.com'`, select: ["_parentcustomerid_value"], includeAnnotations: "*" });
  assert(all._parentcustomerid_value === accountId, `the lookup value: ${JSON.stringify(all)}`);
  assert(all._parentcustomerid_value_LogicalName === "account", `lookuplogicalname: ${JSON.stringify(all)}`);
  assert(all._parentcustomerid_value_NavigationProperty === "parentcustomerid_account", `associatednavigationproperty: ${JSON.stringify(all)}`);
});

await check("fetchAll pages a FetchXML query by paging cookie, every row exactly once", async () => {
  const fetchXml = `<fetch count="4000"><entity name="contact"><attribute name="emailaddress1" />` +
    `<filter><condition attribute="jobtitle" operator="eq" value="${QTAG}" /></filter>` +
    `<order attribute="lastname" descending="true" /></entity></fetch>`;
  // NOTE: as the library documents, the paging cookie comes back only when asked for.
  const all = await api.fetchAll({ collection: "contacts", fetchXml, includeAnnotations: "Microsoft.Dynamics.CRM.fetchxmlpagingcookie" });
  exactlyOnce(all.value.map((r) => r.emailaddress1), ROWS_WRITTEN.map((r) => r.emailaddress1), "fetchAll");
});

await check("fetch with a link-entity returns the parent's columns under its alias", async () => {
  const fetchXml = `<fetch top="3"><entity name="contact"><attribute name="firstname" />` +
    `<filter><condition attribute="parentcustomerid" operator="eq" value="${accountId}" /></filter>` +
    `<link-entity name="account" from="accountid" to="parentcustomerid" alias="parent"><attribute name="name" /></link-entity>` +
    `</entity></fetch>`;
  const page = await api.fetch({ collection: "contacts", fetchXml });
  assert(page.value.length === 3, `three rows: ${page.value.length}`);
  assert(page.value.every((r) => r["parent.name"] === accountName), `parent.name on every row: ${JSON.stringify(page.value[0])}`);
});

const passed = results.filter(Boolean).length;
console.log(`javascript: ${passed} passed, ${results.length - passed} failed`);
process.exit(passed === results.length ? 0 : 1);
