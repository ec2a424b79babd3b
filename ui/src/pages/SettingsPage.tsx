/** The server's version and public settings, and who you are (user info) — what a support question needs. */
import { describeError } from "../api/client";
import { useSettings, useUserInfo, useVersion } from "../api/hooks";
import "./pages.css";

export function SettingsPage() {
  const version = useVersion();
  const settings = useSettings();
  const user = useUserInfo();
  const err = version.error ?? settings.error;
  const sso = settings.data?.oidcConfig;
  return (
    <section aria-labelledby="settings-title">
      <h1 id="settings-title">Settings</h1>
      {err !== null && err !== undefined && <p role="alert" className="error">{describeError(err)}</p>}
      <h2>Server</h2>
      <dl className="plain">
        <dt>Version</dt>
        <dd data-testid="version">{version.data?.Version ?? "…"}</dd>
        <dt>External URL</dt>
        <dd>{settings.data?.url ?? <span className="muted">not set (plumb-cm url)</span>}</dd>
        <dt>Tracking label</dt>
        <dd>
          <code>{settings.data?.appLabelKey}</code>
        </dd>
        <dt>Single sign-on</dt>
        <dd>{sso ? `${sso.name} (${sso.issuer}, client ${sso.clientID}, scopes ${sso.scopes.join(" ")})` : <span className="muted">not configured (plumb-cm oidc.config)</span>}</dd>
      </dl>
      <h2>You</h2>
      <dl className="plain">
        <dt>User</dt>
        <dd data-testid="username">{user.data?.username}</dd>
        <dt>Signed in through</dt>
        <dd>{user.data?.iss === "plumb" || !user.data?.iss ? "a local account" : user.data.iss}</dd>
        <dt>Groups</dt>
        <dd>{user.data?.groups?.length ? user.data.groups.join(", ") : <span className="muted">none</span>}</dd>
      </dl>
    </section>
  );
}
