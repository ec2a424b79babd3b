/**
 * The app's current or last operation (status.operationState), live: its phase (icon + word + colour),
 * message, start and end, revision, who started it, where a running sync is (phase, stage, wave), and
 * what happened to each resource — failed ones first, marked, and repeated above the table so a failed
 * sync names the failing resource and its message at a glance. Terminate while it runs.
 */
import type { ReactNode } from "react";
import { appObject, useCan } from "../api/hooks";
import type { Application, OperationState, ResourceResult } from "../api/types";
import { StatusBadge } from "../components/StatusBadge";
import { Time } from "../components/Time";
import { phaseLook, severityLook } from "../status";
import { nodeKey } from "../tree/keys";
import { TerminateButton } from "./actions/AppActions";
import { isFailed, orderResults, resultStatus } from "./actions/results";
import "./actions/actions.css";
import { ColumnHeads } from "../components/ColumnHeads";

/** The operation panel of `app` (data-testid="operation"). */
export function OperationProgress({ app }: { app: Application }) {
  const op = app.status?.operationState;
  const canSync = useCan("applications", "sync", appObject(app));
  if (!op)
    return (
      <section className="operation" data-testid="operation" aria-label="Last operation">
        <h2>Last operation</h2>
        <p className="muted">No operation yet. Sync the app to deploy it.</p>
      </section>
    );
  const running = op.phase === "Running";
  const results = op.syncResult?.resources ?? [];
  const failed = results.filter(isFailed);
  return (
    <section className="operation" data-testid="operation" data-phase={op.phase} aria-label={running ? "Current operation" : "Last operation"}>
      <h2>
        {running ? "Current operation" : "Last operation"} <StatusBadge look={phaseLook(op.phase)} />
        {op.terminatedAt && <span className="muted">(terminated)</span>}
        {running && canSync === true && <TerminateButton app={app} />}
      </h2>
      {op.message && <p className={op.phase === "Failed" || op.phase === "Error" ? "error" : undefined}>{op.message}</p>}
      <Facts op={op} />
      {failed.length > 0 && <Failures failed={failed} />}
      {op.phase === "Succeeded" && results.length > 0 ? (
        // A sync that went well needs no table on the page; it is a click away.
        <details className="results-fold">
          <summary>
            {results.length === 1 ? "1 resource" : `${results.length} resources`} of the sync
          </summary>
          <Results results={results} op={op} />
        </details>
      ) : (
        <Results results={results} op={op} />
      )}
    </section>
  );
}

function Facts({ op }: { op: OperationState }) {
  const revision = op.syncResult?.revision ?? op.operation.sync?.revision;
  const by = op.operation.initiatedBy;
  const step = op.progress?.step;
  const rows: Array<[string, ReactNode]> = [];
  rows.push(["Started", <Time iso={op.startedAt} />]);
  if (op.finishedAt) rows.push(["Finished", <Time iso={op.finishedAt} />]);
  if (op.terminatedAt) rows.push(["Terminated", <Time iso={op.terminatedAt} />]);
  if (revision) rows.push(["Revision", <span className="mono">{revision}</span>]);
  if (by) rows.push(["Initiated by", by.automated ? "automated sync" : (by.username ?? "unknown")]);
  if (op.operation.sync?.dryRun) rows.push(["Mode", "dry run"]);
  if (step) rows.push(["Step", `${step.phase}, ${step.stage}, wave ${step.wave}`]);
  if (op.retryCount) rows.push(["Retries", String(op.retryCount)]);
  if (op.progress?.failure) rows.push(["Failure", <span className="error">{op.progress.failure}</span>]);
  return (
    <dl>
      {rows.map(([k, v]) => (
        <div key={k} className="contents">
          <dt>{k}</dt>
          <dd>{v}</dd>
        </div>
      ))}
    </dl>
  );
}

function Failures({ failed }: { failed: ResourceResult[] }) {
  return (
    <div className="failures" role="group" aria-label="Failed resources">
      <strong>
        <span aria-hidden="true">{severityLook("error").icon}</span> {failed.length === 1 ? "1 resource failed" : `${failed.length} resources failed`}
      </strong>
      <ul>
        {failed.map((r, i) => (
          <li key={i}>
            <strong>
              {r.kind} {r.namespace ? `${r.namespace}/` : ""}
              {r.name}
            </strong>
            {r.message ? `: ${r.message}` : ""}
          </li>
        ))}
      </ul>
    </div>
  );
}

function Results({ results, op }: { results: ResourceResult[]; op: OperationState }) {
  if (results.length === 0) return <p className="muted">{op.phase === "Running" ? "No resource handled yet." : "No resources were handled."}</p>;
  const summary = op.syncResult?.resourcesSummary;
  return (
    <>
      {summary && (
        <p className="muted">
          {summary.listed} of {summary.total} results listed.
        </p>
      )}
      <table className="results">
        <caption className="muted">Resources of the sync, failed first</caption>
        <ColumnHeads columns={["Kind", "Namespace", "Name", "Status", "Hook", "Message"]} />
        <tbody>
          {orderResults(results).map((r, i) => {
            const bad = isFailed(r);
            return (
              <tr key={`${nodeKey(r)}/${r.hookType ?? ""}/${i}`} className={bad ? "failed" : undefined} data-result-kind={r.kind} data-result-name={r.name} data-result-status={resultStatus(r)}>
                <td>{r.kind}</td>
                <td>{r.namespace}</td>
                <td>{r.name}</td>
                <td>
                  {bad && <span aria-hidden="true">{severityLook("error").icon} </span>}
                  {resultStatus(r)}
                  {bad && <span className="visually-hidden"> (failed)</span>}
                </td>
                <td>{r.hookType ? `${r.hookType}${r.hookPhase ? `: ${r.hookPhase}` : ""}` : ""}</td>
                <td>{r.message}</td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </>
  );
}
