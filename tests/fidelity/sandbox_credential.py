"""How both Python scripts sign in to the sandbox with azure-identity, used as published.

The authority is the sandbox's own host and instance discovery is off, so MSAL never contacts
login.microsoftonline.com; trust in the sandbox's CA comes from REQUESTS_CA_BUNDLE. That is
configuration of the published packages, not a change to them.
"""

import json

from azure.identity import ClientSecretCredential


def sandbox_info(path):
    """The `ferry --json sandbox` line saved at `path`."""
    with open(path) as f:
        return json.load(f)


def sandbox_credential(info):
    """A client-secret credential that signs in at the sandbox described by `info`."""
    return ClientSecretCredential(
        info["tenant"],
        info["clientId"],
        info["clientSecret"],
        authority=info["baseUrl"].removeprefix("https://"),
        disable_instance_discovery=True,
    )
