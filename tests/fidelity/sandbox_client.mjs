// How both Node scripts reach the sandbox with dynamics-web-api, used as published: the
// library's token callback signs in with client credentials at the sandbox's own token
// endpoint, exactly as it would at login.microsoftonline.com. Trust in the sandbox's CA comes
// from NODE_EXTRA_CA_CERTS: configuration, not code.
import { readFileSync } from "node:fs";
import { DynamicsWebApi } from "dynamics-web-api";

/** The `ferry --json sandbox` line saved at `path`. */
export function sandboxInfo(path) {
  return JSON.parse(readFileSync(path, "utf8"));
}

/** A dynamics-web-api client signed in to the sandbox described by `info`. */
export function connect(info) {
  async function signIn() {
    const body = new URLSearchParams({
      grant_type: "client_credentials",
      client_id: info.clientId,
      client_secret: info.clientSecret,
      scope: info.scope,
    });
    const r = await fetch(info.tokenUrl, { method: "POST", body });
    const json = await r.json();
    if (!r.ok) throw new Error(`sign-in failed: ${JSON.stringify(json)}`);
    return json.access_token;
  }
  return new DynamicsWebApi({
    serverUrl: info.baseUrl,
    dataApi: { version: "9.2" },
    onTokenRefresh: signIn,
  });
}
