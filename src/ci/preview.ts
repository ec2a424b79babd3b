/**
 * A pull request's preview as a comment body: what a sync of the app at the branch's revision would change
 * in the live cluster — a summary line, a table of the objects that differ, and each one's diff in a
 * collapsed ```diff block (GitHub, GitLab, Gitea and Bitbucket all render them). Built from the same
 * comparison `plumb app diff` prints (a server-side dry run against the live objects); Secret values are
 * masked before they get here. Pure.
 */
import type { ResourceDiff, SyncSummary } from "../diff/compare.js";

export interface PreviewInput {
  app: string;
  /** The revision compared (a branch's commit); absent for a local folder. */
  revision?: string;
  /** What the revision was asked as (the branch's name), when it differs from the SHA. */
  asked?: string;
  resources: readonly ResourceDiff[];
  summary: SyncSummary;
}

/** The longest diff shown in one block; longer ones are cut. */
const MAX_DIFF_LINES = 400;
/** The whole body's budget: the comment APIs refuse bodies past 65,536 characters (GitHub's limit). */
const MAX_BODY = 60_000;

/** Markdown for a pull-request comment. */
export function previewMarkdown(p: PreviewInput): string {
  const at = p.revision ? `\`${p.revision.slice(0, 7)}\`${p.asked && p.asked !== p.revision ? ` (${p.asked})` : ""}` : "the local folder";
  const differing = p.resources.filter((r) => r.status !== "Synced");
  const s = p.summary;
  const lines = [`### plumb: \`${p.app}\` at ${at}`, ""];
  if (differing.length === 0) {
    lines.push(`No change: a sync would leave the cluster as it is (${s.synced} resource${s.synced === 1 ? "" : "s"} in sync).`, "");
    return `${lines.join("\n")}\n`;
  }
  lines.push(`A sync would change **${differing.length}** of ${p.resources.length} resources: ${s.outOfSync} changed, ${s.missing} created, ${s.extra} not in Git (pruned only with prune).`, "");
  lines.push("| change | kind | namespace | name |", "| --- | --- | --- | --- |");
  for (const r of differing) lines.push(`| ${r.status === "Missing" ? "create" : r.status === "Extra" ? "not in Git" : "change"} | ${cell(r.key.kind)} | ${cell(r.key.namespace)} | ${cell(r.key.name)} |`);
  lines.push("");
  let left = differing.filter((r) => r.diff).length;
  for (const r of differing) {
    if (!r.diff) continue;
    if (lines.join("\n").length > MAX_BODY) {
      lines.push(`… ${left} more diff${left === 1 ? "" : "s"} left out to fit a comment (plumb app diff ${p.app} --revision … shows them all).`, "");
      break;
    }
    left--;
    const diffLines = r.diff.replace(/\n$/, "").split("\n");
    const shown = diffLines.length > MAX_DIFF_LINES ? [...diffLines.slice(0, MAX_DIFF_LINES), `… ${diffLines.length - MAX_DIFF_LINES} more lines (plumb app diff ${p.app} --revision … shows them all)`] : diffLines;
    const fence = "`".repeat(Math.max(3, longestRun(r.diff, "`") + 1));
    for (const w of r.warnings) lines.push(`> ⚠ ${escapeHtml(`${r.key.kind} ${r.key.name}`)}: ${escapeHtml(w)}`, "");
    lines.push(`<details><summary>${escapeHtml(`${r.key.kind} ${r.key.namespace ? `${r.key.namespace}/` : ""}${r.key.name}`)}</summary>`, "", `${fence}diff`, ...shown, fence, "", "</details>", "");
  }
  return `${lines.join("\n")}\n`;
}

function cell(s: string): string {
  return s === "" ? "—" : s.replace(/\|/g, "\\|");
}

function escapeHtml(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

function longestRun(s: string, ch: string): number {
  let best = 0;
  let run = 0;
  for (const c of s) {
    run = c === ch ? run + 1 : 0;
    best = Math.max(best, run);
  }
  return best;
}
