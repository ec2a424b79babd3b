/**
 * Resource customizations from a settings ConfigMap (plumb-cm, or argocd-cm in compat mode), in Argo CD's
 * keys (https://argo-cd.readthedocs.io/en/stable/operator-manual/resource_actions/ and
 * .../health/#custom-health-checks):
 *
 *   resource.customizations.health.<group>_<kind>          a health.lua script
 *   resource.customizations.useOpenLibs.<group>_<kind>     "true": the script gets string, math, ...
 *   resource.customizations.ignoreDifferences.<group>_<kind>  YAML {jsonPointers, jqPathExpressions, managedFieldsManagers}
 *   resource.customizations.ignoreDifferences.all          the same, for every kind
 *   resource.customizations.knownTypeFields.<group>_<kind>    YAML [{field, type}]
 *   resource.customizations                                 the older single key: YAML map "group/Kind" →
 *                                                           {health.lua, health.lua.useOpenLibs, ignoreDifferences, knownTypeFields}
 *
 * `<group>_<kind>` is "Kind" alone for the core group; either part may hold "*" globs
 * (`*.crossplane.io_*`). The split keys win over the older key for the same kind.
 *
 * Pure: parses strings, imports nothing that does I/O. Bad entries are reported in `problems`, never
 * silently dropped and never thrown (one bad key must not take the others down).
 */
import { parse as parseYaml } from "yaml";
import { z } from "zod";
import { IgnoreDifference } from "../../diff/ignore.js";

/** A Lua health script and whether it gets the open libraries. */
export interface LuaScript {
  script: string;
  openLibs: boolean;
  /** Where it came from, for messages: "plumb-cm resource.customizations.health.cert-manager.io_Certificate". */
  origin: string;
}

/** Argo CD's knownTypeFields entry: a field of a CRD that has the type of a known Kubernetes type. */
export const KnownTypeField = z.object({ field: z.string().min(1), type: z.string().min(1) });
export type KnownTypeField = z.infer<typeof KnownTypeField>;

const IgnoreRule = IgnoreDifference.omit({ group: true, kind: true, name: true, namespace: true });
const OldEntry = z.object({
  "health.lua": z.string().optional(),
  "health.lua.useOpenLibs": z.boolean().optional(),
  ignoreDifferences: z.union([z.string(), IgnoreRule]).optional(),
  knownTypeFields: z.array(KnownTypeField).optional(),
}).passthrough();

export interface ResourceCustomizations {
  /** Health scripts by "group/Kind" pattern ("Kind" for the core group; may hold "*"). */
  health: Map<string, LuaScript>;
  /** ignoreDifferences rules in src/diff/ignore.ts's shape, group/kind filled in ("*" for `.all`). */
  ignoreDifferences: IgnoreDifference[];
  /** knownTypeFields by "group/Kind". */
  knownTypeFields: Map<string, KnownTypeField[]>;
  /** Keys that could not be read, with the reason. */
  problems: string[];
}

const PREFIX = "resource.customizations";

/** "cert-manager.io_Certificate" → "cert-manager.io/Certificate"; "Pod" → "Pod"; undefined if malformed. */
export function overrideKey(groupKind: string): string | undefined {
  const parts = groupKind.split("_");
  if (parts.length === 2 && parts[1]) return parts[0] ? `${parts[0]}/${parts[1]}` : parts[1];
  if (parts.length === 1 && parts[0]) return parts[0];
  return undefined;
}

/** "group/Kind" → {group, kind}. */
export function splitKey(key: string): { group: string; kind: string } {
  const slash = key.lastIndexOf("/");
  return slash < 0 ? { group: "", kind: key } : { group: key.slice(0, slash), kind: key.slice(slash + 1) };
}

function truthy(v: unknown): boolean {
  return v === true || (typeof v === "string" && v.trim().toLowerCase() === "true");
}

/** Parses a settings ConfigMap's data. `source` names it in origins and problems ("plumb-cm"). */
export function parseResourceCustomizations(data: Readonly<Record<string, string>> | undefined, source = "plumb-cm"): ResourceCustomizations {
  const out: ResourceCustomizations = { health: new Map(), ignoreDifferences: [], knownTypeFields: new Map(), problems: [] };
  if (!data) return out;
  const openLibs = new Map<string, boolean>();
  const ignore = new Map<string, IgnoreDifference[]>();

  const addIgnore = (key: string, raw: unknown, where: string): void => {
    const value = typeof raw === "string" ? safeYaml(raw, where, out.problems) : raw;
    if (value === undefined) return;
    const r = IgnoreRule.safeParse(value ?? {});
    if (!r.success) {
      out.problems.push(`${where}: ${r.error.issues[0]?.message ?? "invalid"} (expected jsonPointers, jqPathExpressions or managedFieldsManagers)`);
      return;
    }
    const { group, kind } = key === "all" ? { group: "*", kind: "*" } : splitKey(key);
    ignore.set(key, [{ ...r.data, group, kind }]);
  };
  const addKnown = (key: string, raw: unknown, where: string): void => {
    const value = typeof raw === "string" ? safeYaml(raw, where, out.problems) : raw;
    if (value === undefined) return;
    const r = z.array(KnownTypeField).safeParse(value);
    if (!r.success) {
      out.problems.push(`${where}: expected a list of {field, type}`);
      return;
    }
    out.knownTypeFields.set(key, r.data);
  };

  // The older single key first, so that the split keys below replace its entries.
  const old = data[PREFIX];
  if (old !== undefined) {
    const value = safeYaml(old, `${source} ${PREFIX}`, out.problems);
    const entries = z.record(z.string(), OldEntry).safeParse(value ?? {});
    if (!entries.success) out.problems.push(`${source} ${PREFIX}: expected a map of "group/Kind" to settings`);
    else {
      for (const [key, e] of Object.entries(entries.data)) {
        const where = `${source} ${PREFIX} ${key}`;
        if (e["health.lua"]) out.health.set(key, { script: e["health.lua"], openLibs: e["health.lua.useOpenLibs"] === true, origin: where });
        if (e.ignoreDifferences !== undefined) addIgnore(key, e.ignoreDifferences, where);
        if (e.knownTypeFields !== undefined) addKnown(key, e.knownTypeFields, where);
      }
    }
  }

  for (const [name, value] of Object.entries(data)) {
    if (!name.startsWith(`${PREFIX}.`)) continue;
    const rest = name.slice(PREFIX.length + 1);
    const dot = rest.indexOf(".");
    const type = dot < 0 ? rest : rest.slice(0, dot);
    const groupKind = dot < 0 ? "" : rest.slice(dot + 1);
    const where = `${source} ${name}`;
    if (type === "ignoreDifferences" && groupKind === "all") {
      addIgnore("all", value, where);
      continue;
    }
    if (!["health", "useOpenLibs", "ignoreDifferences", "knownTypeFields", "actions"].includes(type)) {
      out.problems.push(`${where}: unknown customization "${type}" (plumb reads health, useOpenLibs, ignoreDifferences, knownTypeFields)`);
      continue;
    }
    const key = overrideKey(groupKind);
    if (!key) {
      out.problems.push(`${where}: expected ${PREFIX}.${type}.<group>_<kind> (or .<kind> for the core group)`);
      continue;
    }
    if (type === "health") out.health.set(key, { script: value, openLibs: false, origin: where });
    else if (type === "useOpenLibs") openLibs.set(key, truthy(value));
    else if (type === "ignoreDifferences") addIgnore(key, value, where);
    else if (type === "knownTypeFields") addKnown(key, value, where);
    else out.problems.push(`${where}: resource actions are not supported by plumb; ignored`);
  }
  for (const [key, open] of openLibs) {
    const s = out.health.get(key);
    if (s) out.health.set(key, { ...s, openLibs: open });
  }
  out.ignoreDifferences = [...ignore.values()].flat();
  return out;
}

function safeYaml(text: string, where: string, problems: string[]): unknown {
  try {
    return parseYaml(text) as unknown;
  } catch (err) {
    problems.push(`${where}: not valid YAML: ${err instanceof Error ? err.message.split("\n")[0] : String(err)}`);
    return undefined;
  }
}
