/**
 * Keeps the RBAC policy equal to plumb-rbac-cm: loaded once at start and again whenever the watch sees the
 * ConfigMap change (Settings.onChange). A policy that is refused is logged as an error, with every bad line,
 * and the policy in force stays — a typo in one line never opens or closes the whole server. A deleted
 * ConfigMap leaves the built-in policy alone (only the local admin may do anything).
 *
 * It also tells the Rbac which names are local accounts (every `accounts.<name>` key of plumb-cm, and
 * `admin`), so that SSO names equal to one are ignored (rbac.ts).
 *
 * The server hands the AppProjects over with `setProjects` whenever they change; the project roles left out
 * are logged as warnings when that list changes.
 */
import type { KubeObject } from "../../core/object.js";
import { RBAC_CONFIGMAP, SETTINGS_CONFIGMAP, type Settings, type StringMap } from "../settings.js";
import { RbacPolicyError } from "./policy.js";
import type { Rbac } from "./rbac.js";

/** What the module logs with (pino's shape). */
export interface RbacLogger {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

export interface RbacWatch {
  /** Applies the roles of these AppProjects (the server calls it with all of them on every change). */
  setProjects(projects: KubeObject[]): Promise<void>;
  /** Resolves when every reload started so far has finished (for tests and shutdown). */
  settled(): Promise<void>;
}

/** Loads plumb-rbac-cm into `rbac` now and on every change; resolves after the first load. */
export async function watchRbac(settings: Settings, rbac: Rbac, log: RbacLogger): Promise<RbacWatch> {
  let loaded: string | undefined;
  let pending: Promise<void> = Promise.resolve();
  let projectWarnings = "";
  // Read again after every change of plumb-cm (configMap() copies, so it is not read per request).
  let accountNames: ReadonlySet<string> | undefined;
  rbac.setLocalAccounts((name) => (accountNames ??= localAccountNames(settings.configMap(SETTINGS_CONFIGMAP))).has(name));

  const reload = (): Promise<void> => {
    const data = settings.configMap(RBAC_CONFIGMAP);
    const key = JSON.stringify(Object.entries(data).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
    if (key === loaded) return pending;
    loaded = key;
    pending = pending.then(async () => {
      try {
        const { warnings } = await rbac.load(data);
        for (const w of warnings) log.warn({ configMap: RBAC_CONFIGMAP }, w);
        log.info({ configMap: RBAC_CONFIGMAP, ...rbac.settings }, "RBAC policy loaded");
      } catch (err) {
        if (err instanceof RbacPolicyError) log.error({ configMap: RBAC_CONFIGMAP, problems: err.problems }, `RBAC policy refused; the previous policy stays in force: ${err.message}`);
        else log.error({ configMap: RBAC_CONFIGMAP, err: (err as Error).message }, "RBAC policy could not be built; the previous policy stays in force");
      }
    });
    return pending;
  };

  settings.onChange((name) => {
    if (name === SETTINGS_CONFIGMAP) accountNames = undefined;
    if (name === RBAC_CONFIGMAP) void reload();
  });
  await reload();

  return {
    async setProjects(projects) {
      const warnings = await rbac.setProjects(projects);
      const key = warnings.join("\n");
      if (key === projectWarnings) return;
      projectWarnings = key;
      for (const w of warnings) log.warn({}, `project role: ${w}`);
    },
    settled: () => pending,
  };
}

/** The names plumb-cm declares as local accounts (`accounts.<name>` and `accounts.<name>.enabled`), with admin. */
export function localAccountNames(cm: StringMap): ReadonlySet<string> {
  const names = new Set<string>(["admin"]);
  for (const key of Object.keys(cm)) if (key.startsWith("accounts.")) names.add(key.slice("accounts.".length).replace(/\.enabled$/, ""));
  return names;
}
