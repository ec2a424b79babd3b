import { useCallback, useEffect, useState } from "react";
import { logout, userInfo } from "./api";
import { Applications } from "./Applications";
import { Login } from "./Login";

type Session = { state: "checking" } | { state: "out" } | { state: "in"; username: string };

/** The shell: asks who is logged in, then shows the login page or the applications. */
export function App() {
  const [session, setSession] = useState<Session>({ state: "checking" });

  const check = useCallback(() => {
    userInfo()
      .then((u) => setSession(u.loggedIn === false || !u.username ? { state: "out" } : { state: "in", username: u.username }))
      .catch(() => setSession({ state: "out" }));
  }, []);
  useEffect(check, [check]);
  const loggedOut = useCallback(() => setSession({ state: "out" }), []);

  if (session.state === "checking") return null;
  if (session.state === "out") return <Login onLoggedIn={check} />;
  return (
    <>
      <header className="top">
        <strong>plumb</strong>
        <span className="muted">{session.username}</span>
        <button type="button" onClick={() => void logout().finally(loggedOut)}>
          Log out
        </button>
      </header>
      <main>
        <Applications onUnauthenticated={loggedOut} />
      </main>
    </>
  );
}
