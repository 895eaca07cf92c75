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

const passed = results.filter(Boolean).length;
console.log(`javascript: ${passed} passed, ${results.length - passed} failed`);
process.exit(passed === results.length ? 0 : 1);
