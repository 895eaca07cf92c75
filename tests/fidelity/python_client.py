"""Drives the Ferry sandbox with Microsoft's own Python SDK, PowerPlatform-Dataverse-Client.

The SDK is used as published: it signs in through azure-identity (MSAL underneath), refuses
anything but HTTPS, and reads table metadata before it writes. The only sandbox-specific parts
are configuration: the credential's authority host (the sandbox serves Entra ID's endpoints
itself), `disable_instance_discovery` (instance discovery would call login.microsoftonline.com),
and REQUESTS_CA_BUNDLE pointing at the sandbox's CA (set by run.sh).

Usage: python_client.py SANDBOX_JSON   (the `ferry --json sandbox` line)
Prints one line per check and a closing "N passed, N failed" line; exits non-zero on failure.
"""

import json
import sys
import traceback
import uuid

from sandbox_credential import sandbox_credential, sandbox_info
from PowerPlatform.Dataverse.client import DataverseClient
from PowerPlatform.Dataverse.core.errors import HttpError
from PowerPlatform.Dataverse.models.upsert import UpsertItem

RESULTS = []
TAG = uuid.uuid4().hex[:8]


def check(name, fn):
    """Runs one check; records pass or fail with the reason."""
    try:
        fn()
        RESULTS.append((name, True, ""))
        print(f"ok   {name}")
    except Exception as e:  # noqa: BLE001 - every failure is reported, never raised
        RESULTS.append((name, False, repr(e)))
        print(f"FAIL {name}: {e!r}")
        traceback.print_exc(limit=3)


def main(info_path):
    info = sandbox_info(info_path)
    base = info["baseUrl"]
    credential = sandbox_credential(info)
    with DataverseClient(base, credential) as client:
        state = {}

        def create_and_update():
            rid = client.records.create(
                "contact", {"firstname": "Py", "lastname": "Thon", "emailaddress1": f"py-{TAG}@example.com"}
            )
            client.records.update("contact", rid, {"jobtitle": "Tester"})
            rec = client.records.retrieve("contact", rid, select=["fullname", "jobtitle"])
            assert rec["jobtitle"] == "Tester", f"update landed: {rec}"
            assert rec["fullname"] == "Py Thon", f"fullname computed: {rec}"
            state["id"] = rid

        def upsert_one_by_key():
            item = UpsertItem(alternate_key={"emailaddress1": f"py-key-{TAG}@example.com"}, record={"lastname": "One"})
            client.records.upsert("contact", [item])
            item = UpsertItem(alternate_key={"emailaddress1": f"py-key-{TAG}@example.com"}, record={"lastname": "Two"})
            client.records.upsert("contact", [item])
            rows = list(client.records.list("contact", filter=f"emailaddress1 eq 'py-key-{TAG}@example.com'", select=["lastname"]))
            assert len(rows) == 1 and rows[0]["lastname"] == "Two", f"one row, updated: {rows}"

        def create_multiple():
            ids = client.records.create(
                "contact", [{"lastname": f"Bulk {i}", "emailaddress1": f"bulk{i}-{TAG}@example.com"} for i in range(25)]
            )
            assert len(ids) == 25, f"25 ids: {ids}"

        def upsert_multiple():
            items = [
                UpsertItem(alternate_key={"emailaddress1": f"bulk{i}-{TAG}@example.com"}, record={"jobtitle": "Upserted"})
                for i in range(30)
            ]
            client.records.upsert("contact", items)
            rows = list(client.records.list("contact", filter=f"emailaddress1 eq 'bulk29-{TAG}@example.com'", select=["jobtitle"]))
            assert rows and rows[0]["jobtitle"] == "Upserted", f"the new key row exists: {rows}"

        def batch_of_creates():
            batch = client.batch.new()
            for i in range(40):
                batch.records.create("contact", {"lastname": f"Batch {i}"})
            result = batch.execute()
            assert not result.has_errors, f"no batch errors: {[r for r in result.failed]}"
            assert len(result.succeeded) == 40, f"40 results: {len(result.succeeded)}"

        def failing_request():
            try:
                client.records.create("contact", {"emailaddress1": "x" * 101})
            except HttpError as e:
                text = str(e) + json.dumps(getattr(e, "details", {}) or {}, default=str)
                assert getattr(e, "status_code", None) == 400, f"status 400: {e!r}"
                assert "0x80044331" in text or "maximum allowed length" in text, f"the MaxLength error: {text}"
                return
            raise AssertionError("a 101-character e-mail was accepted")

        check("create, update and read a contact", create_and_update)
        check("upsert one contact by alternate key twice", upsert_one_by_key)
        check("CreateMultiple of 25 contacts", create_multiple)
        check("UpsertMultiple of 30 contacts by alternate key", upsert_multiple)
        check("$batch of 40 creates", batch_of_creates)
        check("a too-long value fails with Dataverse's error", failing_request)

    passed = sum(1 for _, ok, _ in RESULTS if ok)
    failed = len(RESULTS) - passed
    print(f"python: {passed} passed, {failed} failed")
    return 0 if failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
