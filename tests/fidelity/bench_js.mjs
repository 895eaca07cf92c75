// `ferry bench --peers`: creates N contacts in the Ferry sandbox with the npm package
// dynamics-web-api (2.x), used as published, the way its README shows bulk creates: one
// `$batch` per 1,000 operations (startBatch, create × 1,000, executeBatch), default options
// (so every create sits in the batch's change set), one batch at a time (sequential, as a
// typical script awaits each call; PARALLEL=N in the environment overlaps N batches instead).
//
// Trust in the sandbox's CA comes from NODE_EXTRA_CA_CERTS: configuration, not code.
//
// Usage: node bench_js.mjs SANDBOX_JSON ROWS
// Prints one JSON line {rows, seconds, cpuSeconds, requests, parallel}: wall time and
// process.cpuUsage() (user + system of this node process) over the sends only; the rows are
// built and the token fetched beforehand, as `ferry bench` does for Ferry.

import { connect, sandboxInfo } from "./sandbox_client.mjs";

const info = sandboxInfo(process.argv[2]);
const total = Number(process.argv[3] ?? 20000);
const perBatch = 1000;
const parallel = Math.max(1, Number(process.env.PARALLEL ?? 1));

const api = connect(info);

// The row shape `ferry bench` sends (see bench_peers.rs: keep them identical).
function row(i) {
  return {
    emailaddress1: `bench${i}@example.com`,
    firstname: `First${i}`,
    lastname: `Last${i}`,
    jobtitle: "Buyer",
    telephone1: `+44 20 7946 ${String(i % 10000).padStart(4, "0")}`,
    address1_city: "London",
  };
}

const rows = Array.from({ length: total }, (_, i) => row(i));
const chunks = [];
for (let i = 0; i < rows.length; i += perBatch) chunks.push(rows.slice(i, i + perBatch));

// Warm-up outside the timing: token and connection, like Ferry's WhoAmI before its run.
await api.callFunction("WhoAmI");

let requests = 0;
let created = 0;
async function sendBatch(chunk) {
  // NOTE: dynamics-web-api keeps one pending batch per instance, so each concurrent batch
  // needs its own instance; with PARALLEL=1 the shared one is used.
  const client = parallel === 1 ? api : connect(info);
  client.startBatch();
  for (const data of chunk) client.create({ collection: "contacts", data });
  const out = await client.executeBatch();
  requests += 1;
  created += out.filter((id) => typeof id === "string").length;
}

const cpu0 = process.cpuUsage();
const t0 = process.hrtime.bigint();
let next = 0;
await Promise.all(
  Array.from({ length: Math.min(parallel, chunks.length) }, async () => {
    while (next < chunks.length) await sendBatch(chunks[next++]);
  }),
);
const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
const cpu = process.cpuUsage(cpu0);
console.log(JSON.stringify({ rows: created, seconds, cpuSeconds: (cpu.user + cpu.system) / 1e6, requests, parallel }));
