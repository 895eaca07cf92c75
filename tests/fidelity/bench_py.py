"""`ferry bench --peers`: creates N contacts in the Ferry sandbox with Microsoft's
PowerPlatform-Dataverse-Client, used as published.

Bulk creates go through the client's own bulk API, ``client.records.create("contact", [..])``,
which sends the whole list as one ``CreateMultiple`` request (the library does not split it).
Dataverse recommends at most 1,000 targets per bulk request, so this script passes lists of
1,000, one call at a time (sequential: the client is synchronous).

Sandbox-specific parts are configuration only, exactly as python_client.py: the credential's
authority host, ``disable_instance_discovery``, and REQUESTS_CA_BUNDLE for the sandbox's CA.

Usage: bench_py.py SANDBOX_JSON ROWS
Prints one JSON line {rows, seconds, cpuSeconds, requests}: wall time and
``time.process_time()`` (user + system of this process) over the sends only; the rows are
built and the token and table metadata fetched beforehand, as `ferry bench` does for Ferry.
"""

import json
import sys
import time

from sandbox_credential import sandbox_credential, sandbox_info
from PowerPlatform.Dataverse.client import DataverseClient

PER_REQUEST = 1000


def row(i):
    """The row shape `ferry bench` sends (see bench_peers.rs: keep them identical)."""
    return {
        "emailaddress1": f"bench{i}@example.com",
        "firstname": f"First{i}",
        "lastname": f"Last{i}",
        "jobtitle": "Buyer",
        "telephone1": f"+44 20 7946 {i % 10000:04d}",
        "address1_city": "London",
    }


def main(info_path, total):
    info = sandbox_info(info_path)
    base = info["baseUrl"]
    credential = sandbox_credential(info)
    rows = [row(i) for i in range(total)]
    chunks = [rows[i : i + PER_REQUEST] for i in range(0, total, PER_REQUEST)]
    with DataverseClient(base, credential) as client:
        # Warm-up outside the timing: token, connection and the contact table's metadata (the
        # client resolves the entity set before it writes), like Ferry's WhoAmI before its run.
        list(client.records.list("contact", select=["contactid"], top=1))
        created = 0
        cpu0 = time.process_time()
        t0 = time.perf_counter()
        for chunk in chunks:
            created += len(client.records.create("contact", chunk))
        seconds = time.perf_counter() - t0
        cpu = time.process_time() - cpu0
    print(json.dumps({"rows": created, "seconds": seconds, "cpuSeconds": cpu, "requests": len(chunks)}))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 20000))
