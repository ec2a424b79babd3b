/**
 * The filter panel: one group of checkboxes per facet (Sync, Health, Project, Namespace, Cluster, Labels,
 * Repository), each value with how many apps it would show, the most common first (a long list folds to
 * its top values); label selectors can also be typed (`team=pay`, `tier`, `!canary`, `env!=prod`).
 */
import { useState, type FormEvent } from "react";
import { StatusBadge } from "../components/StatusBadge";
import { healthLook, syncLook } from "../status";
import { isPair, orderedValues, type FacetCounts } from "./filter";
import { withoutScheme } from "./format";
import { FACETS, toggleValue, type Facet, type ListQuery } from "./query";
import type { SetQuery } from "./useListQuery";

/** Each facet's name as the panel shows it (and as its group's accessible name). */
export const FACET_TITLES: Record<Facet, string> = {
  sync: "Sync",
  health: "Health",
  project: "Project",
  namespace: "Namespace",
  cluster: "Cluster",
  labels: "Labels",
  repo: "Repository",
};

const FOLDED = 6;

/** Every facet's group. */
export function FilterPanel({ q, setQ, facets }: { q: ListQuery; setQ: SetQuery; facets: FacetCounts }) {
  return (
    <aside className="apps-filters" aria-label="Filters">
      {FACETS.map((f) => (
        <FacetGroup key={f} facet={f} q={q} setQ={setQ} counts={facets[f]} />
      ))}
    </aside>
  );
}

function FacetGroup({ facet, q, setQ, counts }: { facet: Facet; q: ListQuery; setQ: SetQuery; counts: ReadonlyMap<string, number> }) {
  const [open, setOpen] = useState(false);
  const chosen = q.filters[facet];
  const shown = orderedValues(facet, counts, open ? Infinity : FOLDED);
  // a chosen value stays in view when the list is folded
  for (const v of chosen) if (!shown.some(([s]) => s === v) && counts.has(v)) shown.push([v, counts.get(v) ?? 0]);
  const all = counts.size;
  const title = FACET_TITLES[facet];
  return (
    <fieldset className="facet">
      <legend>{title}</legend>
      {facet === "labels" && <LabelSelectors q={q} setQ={setQ} />}
      {all === 0 ? (
        <p className="muted facet-none">{facet === "labels" ? "No labels on these apps" : "None"}</p>
      ) : (
        <ul>
          {shown.map(([v, n]) => (
            <li key={v}>
              <label title={v}>
                <input type="checkbox" checked={chosen.includes(v)} onChange={() => setQ(toggleValue(q, facet, v))} />
                <span className="facet-value">{facet === "sync" ? <StatusBadge look={syncLook(v)} /> : facet === "health" ? <StatusBadge look={healthLook(v)} /> : facet === "repo" || facet === "cluster" ? withoutScheme(v) : v}</span>
                <span className="facet-count">
                  {n}
                  <span className="visually-hidden"> applications</span>
                </span>
              </label>
            </li>
          ))}
        </ul>
      )}
      {all > FOLDED && (
        <button type="button" className="link-button" aria-expanded={open} onClick={() => setOpen(!open)}>
          {open ? "Show fewer" : `Show all ${all}`}
        </button>
      )}
    </fieldset>
  );
}

/** Typed label selectors, each shown as a chip that removes it. */
function LabelSelectors({ q, setQ }: { q: ListQuery; setQ: SetQuery }) {
  const [text, setText] = useState("");
  const typed = q.filters.labels.filter((s) => !isPair(s));
  const add = (e: FormEvent) => {
    e.preventDefault();
    const sel = text.trim();
    if (sel && !q.filters.labels.includes(sel)) setQ({ ...q, filters: { ...q.filters, labels: [...q.filters.labels, sel] } });
    setText("");
  };
  return (
    <>
      <form className="label-add" onSubmit={add}>
        <input name="label-selector" aria-label="Label selector" placeholder="team=pay, tier, !canary" value={text} onChange={(e) => setText(e.target.value)} />
        <button type="submit">Add</button>
      </form>
      {typed.length > 0 && (
        <ul className="chips" aria-label="Label selectors">
          {typed.map((s) => (
            <li key={s}>
              <button type="button" className="chip" aria-label={`Remove label selector ${s}`} onClick={() => setQ(toggleValue(q, "labels", s))}>
                {s} <span aria-hidden="true">×</span>
              </button>
            </li>
          ))}
        </ul>
      )}
    </>
  );
}
