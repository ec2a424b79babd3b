/**
 * The shell: the query cache, the router, the session. Nobody logged in → the login page (whatever the
 * URL; after login the same URL shows). Otherwise the top bar and the pages, each loaded on first visit
 * (the first page's bundle holds only what the applications list needs).
 *
 * Routes (Argo CD's where it has one): /applications (filters in the query string),
 * /applications/:namespace/:name (the app page; ?node= selects a resource, ?tab= a panel), /projects,
 * /projects/:name, /settings (version, settings, who you are).
 */
import { QueryClient, QueryClientProvider, useQueryClient } from "@tanstack/react-query";
import { lazy, Suspense, useEffect, useRef, useState } from "react";
import { BrowserRouter, Navigate, NavLink, Route, Routes, useParams, useSearchParams } from "react-router";
import { api, call, describeError, onUnauthenticated } from "./api/client";
import { endSession, keys, prefetchAppPage, useUserInfo } from "./api/hooks";
import { NewAppButton } from "./app/NewApp";
import { ApplicationsPage } from "./pages/ApplicationsPage";
import { Login } from "./pages/Login";

const AppPage = lazy(() => import("./pages/AppPage").then((m) => ({ default: m.AppPage })));
const ProjectsPage = lazy(() => import("./pages/ProjectsPage").then((m) => ({ default: m.ProjectsPage })));
const ProjectPage = lazy(() => import("./pages/ProjectsPage").then((m) => ({ default: m.ProjectPage })));
const SettingsPage = lazy(() => import("./pages/SettingsPage").then((m) => ({ default: m.SettingsPage })));

export function App({ client = new QueryClient({ defaultOptions: { queries: { refetchOnWindowFocus: false } } }) }: { client?: QueryClient }) {
  return (
    <QueryClientProvider client={client}>
      <BrowserRouter>
        <Session />
      </BrowserRouter>
    </QueryClientProvider>
  );
}

function Session() {
  const qc = useQueryClient();
  const user = useUserInfo();
  const [logoutError, setLogoutError] = useState<string>();
  // Log out: the server ends the session, then this cache forgets it. A failed DELETE leaves the session
  // open — said so next to the button, the user still logged in (not a login form over a live cookie).
  const logOut = () => {
    setLogoutError(undefined);
    void call(api.DELETE("/api/v1/session")).then(
      () => {
        endSession(qc);
        qc.setQueryData(keys.user, { loggedIn: false });
      },
      (err: unknown) => setLogoutError(`Could not log out: ${describeError(err)}. You are still logged in; try again.`),
    );
  };
  // Any 401 (an expired session, a logout elsewhere): ask again who is logged in, which shows the login form.
  useEffect(
    () =>
      onUnauthenticated(() => {
        endSession(qc);
        qc.setQueryData(keys.user, { loggedIn: false });
      }),
    [qc],
  );

  if (user.isPending) return null;
  if (!user.data?.loggedIn || !user.data.username) return <Login onLoggedIn={() => void qc.resetQueries({ queryKey: keys.user })} />;
  return (
    <>
      <a className="skip" href="#main">
        Skip to content
      </a>
      <header className="top">
        <strong className="brand">plumb</strong>
        <nav aria-label="Main">
          <NavLink to="/applications">Applications</NavLink>
          <NavLink to="/projects">Projects</NavLink>
          <NavLink to="/settings">Settings</NavLink>
        </nav>
        <span className="muted user" title={user.data.iss ? `signed in through ${user.data.iss}` : undefined}>
          {user.data.username}
        </span>
        <button type="button" onClick={logOut}>
          Log out
        </button>
        {logoutError && (
          <span role="alert" className="error">
            {logoutError}
          </span>
        )}
      </header>
      <main id="main" tabIndex={-1}>
        <Suspense fallback={<p className="muted">Loading…</p>}>
          <Routes>
            <Route path="/" element={<Navigate to="/applications" replace />} />
            <Route path="/applications" element={<ApplicationsPage actions={<NewAppButton />} />} />
            <Route path="/applications/:namespace/:name" element={<AppRoute />} />
            <Route path="/projects" element={<ProjectsPage />} />
            <Route path="/projects/:name" element={<ProjectPage />} />
            <Route path="/settings" element={<SettingsPage />} />
            <Route path="*" element={<NotFound />} />
          </Routes>
        </Suspense>
      </main>
    </>
  );
}

/** The app page, its requests started before its lazy chunk has arrived (prefetchAppPage). */
function AppRoute() {
  const qc = useQueryClient();
  const { namespace = "", name = "" } = useParams();
  const [search] = useSearchParams();
  // Once per app: during the first render, so the requests leave with the chunk's, not after it.
  const started = useRef("");
  if (started.current !== `${namespace}/${name}`) {
    started.current = `${namespace}/${name}`;
    prefetchAppPage(qc, namespace, name, search);
  }
  return <AppPage />;
}

function NotFound() {
  return (
    <section>
      <h1>Nothing here</h1>
      <p>
        This address shows no page. Go to the <NavLink to="/applications">applications</NavLink>.
      </p>
    </section>
  );
}
