/**
 * The projects: the list (what each allows at a glance) and one project's page — the repositories its
 * apps may use, the destinations they may deploy to, the kinds they may create, and its roles.
 */
import { Link, useParams } from "react-router";
import { describeError } from "../api/client";
import { useApps, useProject, useProjects } from "../api/hooks";
import type { AppProject } from "../api/types";
import "./pages.css";
import { ColumnHeads } from "../components/ColumnHeads";

export function ProjectsPage() {
  const projects = useProjects();
  if (projects.error) return <p role="alert" className="error">Could not load the projects: {describeError(projects.error)}</p>;
  const items = projects.data?.items ?? [];
  return (
    <section aria-labelledby="projects-title">
      <h1 id="projects-title">Projects</h1>
      {projects.data && items.length === 0 && (
        <p className="muted">
          No AppProject is defined: every application is in the implicit <code>default</code> project, which allows every repository, destination and kind. Create one with <code>kubectl apply</code> of an AppProject to restrict what its apps may do.
        </p>
      )}
      {items.length > 0 && (
        <table className="plain">
          <ColumnHeads columns={["Name", "Description", "Sources", "Destinations", "Roles"]} />
          <tbody>
            {items.map((p) => (
              <tr key={p.metadata.name} data-project={p.metadata.name}>
                <td>
                  <Link to={`/projects/${encodeURIComponent(p.metadata.name)}`}>{p.metadata.name}</Link>
                </td>
                <td>{p.spec.description}</td>
                <td>{(p.spec.sourceRepos ?? []).join(", ") || <span className="muted">none</span>}</td>
                <td>{(p.spec.destinations ?? []).map(destinationWords).join(", ") || <span className="muted">none</span>}</td>
                <td>{(p.spec.roles ?? []).map((r) => r.name).join(", ")}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

function destinationWords(d: NonNullable<AppProject["spec"]["destinations"]>[number]): string {
  return `${d.name ?? d.server ?? "*"}/${d.namespace ?? "*"}`;
}

export function ProjectPage() {
  const { name = "" } = useParams();
  const project = useProject(name);
  const { apps } = useApps();
  if (project.error) return <p role="alert" className="error">Could not load project {name}: {describeError(project.error)}. See all <Link to="/projects">projects</Link>.</p>;
  if (!project.data) return <p className="muted">Loading…</p>;
  const spec = project.data.spec;
  const members = [...apps.values()].filter((a) => (a.spec?.project || "default") === name).length;
  const kinds = (list: Array<{ group: string; kind: string }> | undefined) => (list?.length ? list.map((k) => `${k.group || "core"}/${k.kind}`).join(", ") : undefined);
  return (
    <section aria-labelledby="project-title">
      <p>
        <Link to="/projects">Projects</Link> /
      </p>
      <h1 id="project-title">{name}</h1>
      {spec.description && <p>{spec.description}</p>}
      <p>
        <Link to={`/applications?project=${encodeURIComponent(name)}`}>{members} application{members === 1 ? "" : "s"}</Link>
      </p>
      <h2>Source repositories</h2>
      <List items={spec.sourceRepos} empty="None: its apps may use no repository." />
      <h2>Destinations</h2>
      <List items={spec.destinations?.map(destinationWords)} empty="None: its apps may deploy nowhere." />
      <h2>Kinds</h2>
      <dl className="plain">
        <dt>Cluster-scoped allowed</dt>
        <dd>{kinds(spec.clusterResourceWhitelist) ?? <span className="muted">none</span>}</dd>
        {spec.clusterResourceBlacklist?.length ? (
          <>
            <dt>Cluster-scoped denied</dt>
            <dd>{kinds(spec.clusterResourceBlacklist)}</dd>
          </>
        ) : null}
        <dt>Namespaced allowed</dt>
        <dd>{spec.namespaceResourceWhitelist === undefined ? "all" : (kinds(spec.namespaceResourceWhitelist) ?? <span className="muted">none</span>)}</dd>
        {spec.namespaceResourceBlacklist?.length ? (
          <>
            <dt>Namespaced denied</dt>
            <dd>{kinds(spec.namespaceResourceBlacklist)}</dd>
          </>
        ) : null}
      </dl>
      <h2>Roles</h2>
      {spec.roles?.length ? (
        <table className="plain">
          <ColumnHeads columns={["Role", "Description", "Policies", "Groups", "Tokens"]} />
          <tbody>
            {spec.roles.map((r) => (
              <tr key={r.name} data-role={r.name}>
                <td>{r.name}</td>
                <td>{r.description}</td>
                <td>
                  <List items={r.policies} empty="none" />
                </td>
                <td>{(r.groups ?? []).join(", ")}</td>
                <td>{(r.jwtTokens ?? []).map((t) => t.id ?? String(t.iat)).join(", ")}</td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : (
        <p className="muted">No roles.</p>
      )}
    </section>
  );
}

function List({ items, empty }: { items: readonly string[] | undefined; empty: string }) {
  if (!items?.length) return <p className="muted">{empty}</p>;
  return (
    <ul className="plain">
      {items.map((i) => (
        <li key={i}>
          <code>{i}</code>
        </li>
      ))}
    </ul>
  );
}
