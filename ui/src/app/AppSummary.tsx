/**
 * The app page's summary: where the app comes from (source, revision with its commit's message and
 * author), where it goes (destination), how it syncs (policy, options), how it is (health, conditions in
 * plain words) and when it was last compared.
 */
import { Link } from "react-router";
import { useRevisionMetadata } from "../api/hooks";
import type { Application, ApplicationSource } from "../api/types";
import { shortRevision } from "../components/revision";
import { ago, exact } from "../components/time";
import { StatusBadge } from "../components/StatusBadge";
import { healthLook, severityLook, syncLook } from "../status";
import { plainConditions } from "./conditions";
import "./app.css";

export function AppSummary({ app }: { app: Application }) {
  const ns = app.metadata.namespace ?? "";
  const spec = app.spec;
  const status = app.status;
  const sources: ApplicationSource[] = spec.sources?.length ? spec.sources : spec.source ? [spec.source] : [];
  const revision = status?.sync?.revision;
  const dest = spec.destination;
  return (
    <section className="summary" aria-label="Summary">
      <dl>
        <dt>Status</dt>
        <dd>
          <StatusBadge look={syncLook(status?.sync?.status)} /> <StatusBadge look={healthLook(status?.health?.status)} />
          {status?.health?.message && <span className="muted"> — {status.health.message}</span>}
        </dd>
        <dt>Project</dt>
        <dd>
          <Link to={`/projects/${encodeURIComponent(spec.project || "default")}`}>{spec.project || "default"}</Link>
        </dd>
        <dt>{sources.length > 1 ? "Sources" : "Source"}</dt>
        <dd>
          {sources.length === 0 ? <span className="muted">none</span> : sources.map((s, i) => <SourceLine key={i} source={s} />)}
        </dd>
        <dt>Revision</dt>
        <dd>{revision ? <Revision namespace={ns} name={app.metadata.name} revision={revision} /> : <span className="muted">not compared yet</span>}</dd>
        <dt>Destination</dt>
        <dd>
          {dest.name ?? dest.server ?? <span className="muted">none</span>}
          {dest.namespace && <> · namespace <code>{dest.namespace}</code></>}
        </dd>
        <dt>Sync policy</dt>
        <dd>{policyWords(app)}</dd>
        <dt>Last compared</dt>
        <dd title={exact(status?.reconciledAt)}>{ago(status?.reconciledAt) || <span className="muted">never</span>}</dd>
      </dl>
      <Conditions app={app} />
    </section>
  );
}

function SourceLine({ source }: { source: ApplicationSource }) {
  const where = source.chart ? `chart ${source.chart}` : source.path ? `path ${source.path}` : "the repository's root";
  return (
    <div className="source">
      <code>{source.repoURL}</code> · {where} · at <code>{source.targetRevision || "HEAD"}</code>
    </div>
  );
}

function Revision({ namespace, name, revision }: { namespace: string; name: string; revision: string }) {
  const meta = useRevisionMetadata(namespace, name, revision);
  const subject = meta.data?.message.split("\n")[0];
  return (
    <span className="revision" data-testid="revision">
      <code title={revision}>{shortRevision(revision)}</code>
      {subject && (
        <>
          {" "}
          <span className="commit-message">{subject}</span> <span className="muted">— {meta.data!.author.replace(/\s*<[^>]*>$/, "")}, <span title={exact(meta.data!.date)}>{ago(meta.data!.date)}</span></span>
        </>
      )}
      {meta.data?.tags.length ? <span className="muted"> · tags {meta.data.tags.join(", ")}</span> : null}
    </span>
  );
}

/** "Automated (prune, self-heal) · CreateNamespace=true" or "Manual". */
export function policyWords(app: Application): string {
  const p = app.spec.syncPolicy;
  const auto = p?.automated;
  const on = auto && (auto as { enabled?: boolean }).enabled !== false;
  const flags = on ? [auto.prune && "prune", auto.selfHeal && "self-heal"].filter(Boolean) : [];
  const head = on ? `Automated${flags.length ? ` (${flags.join(", ")})` : ""}` : "Manual";
  return [head, ...(p?.syncOptions ?? [])].join(" · ");
}

function Conditions({ app }: { app: Application }) {
  const cs = plainConditions(app.status?.conditions);
  if (cs.length === 0) return null;
  return (
    <ul className="conditions" aria-label="Conditions">
      {cs.map((c, i) => (
        <li key={`${c.type}-${i}`} className={`condition condition-${c.severity}`} data-condition={c.type}>
          <strong>
            <span aria-hidden="true" style={{ color: severityLook(c.severity).colour }}>{severityLook(c.severity).icon}</span> {c.title}
          </strong>
          <div className="condition-message">{c.message}</div>
          <div className="muted">{c.hint}</div>
        </li>
      ))}
    </ul>
  );
}
