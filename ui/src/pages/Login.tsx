import { useQueryClient } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { api, call, describeError } from "../api/client";
import { endSession, useSettings } from "../api/hooks";

/**
 * The login page: a local account's username and password, and — when the server has OIDC configured — a
 * button that signs in through the identity provider (GET /auth/login, which comes back to this URL).
 */
export function Login({ onLoggedIn }: { onLoggedIn: () => void }) {
  const [username, setUsername] = useState("admin");
  const [password, setPassword] = useState("");
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);
  const settings = useSettings();
  const qc = useQueryClient();

  const submit = (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(undefined);
    call(api.POST("/api/v1/session", { body: { username, password } }))
      .then(() => {
        endSession(qc); // nothing a previous session read may show to this one
        onLoggedIn();
      })
      .catch((err: unknown) => setError(describeError(err)))
      .finally(() => setBusy(false));
  };
  const here = `${window.location.pathname}${window.location.search}`;
  const sso = settings.data?.oidcConfig;

  return (
    <main className="login">
      <form onSubmit={submit} aria-labelledby="login-title">
        <h1 id="login-title">plumb</h1>
        {!settings.data?.userLoginsDisabled && (
          <>
            <label>
              Username
              <input name="username" autoComplete="username" value={username} onChange={(e) => setUsername(e.target.value)} required />
            </label>
            <label>
              Password
              <input name="password" type="password" autoComplete="current-password" value={password} onChange={(e) => setPassword(e.target.value)} required autoFocus />
            </label>
            {error && (
              <p role="alert" className="error">
                {error}
              </p>
            )}
            <button type="submit" disabled={busy}>
              {busy ? "Signing in…" : "Sign in"}
            </button>
          </>
        )}
        {sso && (
          <a className="button sso" href={`/auth/login?return_url=${encodeURIComponent(here)}`}>
            Log in via {sso.name}
          </a>
        )}
      </form>
    </main>
  );
}
