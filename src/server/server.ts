/**
 * `plumb server` put together: settings from watched ConfigMaps/Secrets, local accounts and the generated
 * admin password, SSO, RBAC reloaded on change, Applications/AppProjects from shared watches, resource
 * trees, streams, the REST routes — and, by default, the controller and the webhook receiver in the same
 * process, sharing the server's watches and Git mirrors (`controller: false` for an API-only replica).
 *
 * Served over HTTPS with the given certificate or a generated self-signed one, or plain HTTP (`tls:
 * "none"`, `plumb server --insecure`) behind a proxy that terminates TLS.
 */
import { createServer as createHttpsServer } from "node:https";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { serve } from "@hono/node-server";
import { Resources } from "../cluster/resources.js";
import { Controller, type ControllerOptions } from "../controller/controller.js";
import type { Logger } from "../controller/reconcile.js";
import type { SourceRepos } from "../controller/sources.js";
import { selfSignedServerCertificate, type PemPair } from "../localcluster/certs.js";
import type { WebhookSecrets } from "../webhooks/index.js";
import { createApp, type Api } from "./app.js";
import { Authentication } from "./auth/authenticate.js";
import { LocalAuth } from "./auth/local.js";
import { externalURLFrom, oidcSettings } from "./auth/oidc-config.js";
import { OidcLogin } from "./auth/oidc.js";
import { ProjectTokens, resourcesProjectStore, type ProjectTokenStore } from "./auth/project-tokens.js";
import { Rbac, watchRbac } from "./rbac/index.js";
import { mountApi } from "./routes/index.js";
import { resourceTreeSource } from "./routes/streams.js";
import { AppStreams } from "./streams.js";
import { staticUI } from "./static.js";
import { Settings, SETTINGS_CONFIGMAP, SETTINGS_SECRET } from "./settings.js";
import { AppState, sharedInformers } from "./state.js";
import { ClusterCatalog } from "../clusters/view.js";
import { ResourceTrees } from "./tree/index.js";
import { probeRoutes } from "../controller/probes.js";

export interface ServerOptions {
  resources: Resources;
  /** A client for the resource tree's child watches (each holds a connection): give it many sockets. Default `resources`. */
  treeResources?: Resources;
  /** The server's namespace: its settings, and where Applications live unless they say otherwise (Argo CD: argocd). */
  namespace: string;
  /** Only Applications of this namespace; undefined: every namespace. */
  appNamespace?: string;
  log: Logger;
  version: string;
  /** Git, for the managed-resources and manifests answers (and the controller's work). */
  repos: SourceRepos;
  /** Where to listen; port 0 picks a free one. Default 127.0.0.1:8080. */
  host?: string;
  port?: number;
  /** A certificate, "self-signed" (generated at start; the default), or "none" for plain HTTP. */
  tls?: PemPair | "self-signed" | "none";
  /** The URL people reach the server at (SSO redirects, the Origin check); default plumb-cm `url`, else the listen address. */
  externalURL?: string;
  argoCompat?: boolean;
  /** Where cluster Secrets and their recorded states are read (and, with the controller, watched). Default: `namespace`. */
  clustersNamespace?: string;
  /** Run the controller in this process (the default), with these options; false: API only. */
  controller?: Partial<Omit<ControllerOptions, "resources" | "log" | "repos" | "informers">> | false;
  /** Serve the Git webhook receiver at /api/webhook (needs the controller). */
  webhookSecrets?: WebhookSecrets;
  /** Max request body, bytes. */
  bodyLimit?: number;
  /** The built web UI's folder, served at / (default DEFAULT_UI_DIR, <package root>/ui/dist); false: no UI. */
  uiDir?: string | false;
}

export interface RunningServer {
  /** The base URL, e.g. https://127.0.0.1:8080. */
  url: string;
  app: Api;
  controller?: Controller;
  /** Set on the first start of a fresh installation: show it once. */
  generatedAdminPassword?: string;
  close(): Promise<void>;
}

/**
 * Builds everything and starts listening. A start that fails half-way (the port taken, the cluster
 * refusing) stops what it had started — the controller first of all — before it throws.
 */
export async function startServer(opts: ServerOptions): Promise<RunningServer> {
  const undo: Array<() => Promise<void> | void> = [];
  try {
    return await start(opts, undo);
  } catch (err) {
    for (const step of undo.reverse()) await Promise.resolve().then(step).catch(() => undefined);
    throw err;
  }
}

async function start(opts: ServerOptions, undo: Array<() => Promise<void> | void>): Promise<RunningServer> {
  const { resources, log } = opts;
  await ensureNamespace(resources, opts.namespace);
  const informers = sharedInformers(resources, opts.appNamespace, log);
  undo.push(() => Promise.all([informers.apps.stop(), informers.projects.stop(), informers.managed.stop()]).then(() => undefined));
  let controller: Controller | undefined;
  if (opts.controller !== false) {
    controller = new Controller({ resources, repos: opts.repos, log, informers, clusters: { namespace: opts.clustersNamespace ?? opts.namespace }, ...(opts.argoCompat ? { argoCompat: true } : {}), ...(opts.appNamespace ? { namespace: opts.appNamespace } : {}), ...(opts.controller ?? {}) });
    const started = controller;
    undo.push(() => started.stop());
    await controller.start();
  }
  const settings = new Settings(resources, opts.namespace);
  undo.push(() => settings.stop());
  await settings.start();
  const local = new LocalAuth(settings);
  const { generatedAdminPassword } = await local.initialize();
  for (const p of local.problems()) log.warn({ key: p.key }, `settings: ${p.message}`);

  const clusters = new ClusterCatalog(resources, opts.clustersNamespace ?? opts.namespace);
  undo.push(() => clusters.stop());
  await clusters.start();

  const state = new AppState(informers, { ...(opts.argoCompat ? { argoCompat: true } : {}), ...(opts.appNamespace ? { namespace: opts.appNamespace } : {}) });
  await state.start(resources);

  const rbac = await Rbac.create();
  const rbacWatch = await watchRbac(settings, rbac, log);
  // Project roles only from the server's own namespace, as Argo CD: an AppProject elsewhere must not grant
  // roles over this namespace's projects.
  const projectsChanged = (): void => void rbacWatch.setProjects(state.projects().filter((p) => p.metadata.namespace === opts.namespace));
  informers.projects.on("add", projectsChanged);
  informers.projects.on("update", projectsChanged);
  informers.projects.on("delete", projectsChanged);
  projectsChanged();

  const projectStore: ProjectTokenStore = projectStoreOver(resources, state, opts.namespace);
  const projectTokens = new ProjectTokens(projectStore, () => local.signingKey());

  const host = opts.host ?? "127.0.0.1";
  const tlsOption = opts.tls ?? "self-signed";
  const tls = tlsOption === "none" ? undefined : tlsOption === "self-signed" ? await selfSignedServerCertificate(["localhost", host === "0.0.0.0" ? "127.0.0.1" : host]) : tlsOption;
  let listenURL = "";
  // /readyz: 200 once listening (every cache above is synced by then), 503 again while closing.
  let listening = false;
  // The URL people reach the server at: the flag, else plumb-cm `url`, else where it listens.
  const externalURL = (): string => opts.externalURL ?? (settings.configMap(SETTINGS_CONFIGMAP).url ? externalURLFrom(settings.configMap(SETTINGS_CONFIGMAP)) : listenURL);
  const oidcConfig = () => oidcSettings(settings.configMap(SETTINGS_CONFIGMAP), settings.secret(SETTINGS_SECRET), { externalURL: externalURL() })?.config;
  const sso = new OidcLogin({ config: oidcConfig, signingKey: () => local.signingKey() ?? "", externalURL, log });
  const auth = new Authentication({ local, projects: projectTokens, ssoEnabled: () => sso.enabled() });
  // The tree's child watches each hold a connection: a pool of their own, so they never starve requests.
  const treeResources = opts.treeResources ?? new Resources(resources.client.withPool(256), resources.discovery);
  const trees = new ResourceTrees({ resources: treeResources, managed: informers.managed, log });
  undo.push(async () => {
    await trees.stop();
    if (!opts.treeResources) treeResources.client.close();
  });
  const streams = new AppStreams(state, { rbac, namespace: opts.namespace });

  const deps = {
    state,
    auth,
    sessions: local,
    rbac,
    log,
    namespace: opts.namespace,
    version: opts.version,
    resources,
    repos: opts.repos,
    clusters,
    trees,
    accounts: local,
    projectTokens,
    secure: Boolean(tls),
    sso: () => sso.info(),
    externalURL,
    ...(opts.bodyLimit ? { bodyLimit: opts.bodyLimit } : {}),
  };
  const app = createApp(
    deps,
    (api) => {
      mountApi(api, deps, { ...deps, streams, trees: resourceTreeSource(trees) });
      // Last: it answers every other GET with the UI (and passes /api, /auth on).
      if (opts.uiDir !== false) api.route("/", staticUI(opts.uiDir ? { dir: opts.uiDir } : {}));
    },
    // The webhook receiver only with a secret: it must never take unsigned pushes on the public port.
    { probes: probeRoutes(() => listening), sso: sso.routes(), ...(controller && opts.webhookSecrets && Object.keys(opts.webhookSecrets).length > 0 ? { webhook: controller.webhookApp(opts.webhookSecrets) } : {}) },
  );

  const server = (await new Promise<Server>((resolve, reject) => {
    const s = serve({ fetch: app.fetch, port: opts.port ?? 8080, hostname: host, overrideGlobalObjects: false, ...(tls ? { createServer: createHttpsServer, serverOptions: { cert: tls.cert, key: tls.key } } : {}) }) as Server;
    s.once("error", reject);
    s.once("listening", () => resolve(s));
  })) as Server;
  const port = (server.address() as AddressInfo).port;
  listening = true;
  listenURL = `${tls ? "https" : "http"}://${host.includes(":") ? `[${host}]` : host}:${port}`;
  log.info({ url: listenURL, tls: tls ? (tlsOption === "self-signed" ? "self-signed" : "given") : "none", controller: Boolean(controller) }, "api server listening");
  return {
    url: listenURL,
    app,
    ...(controller ? { controller } : {}),
    ...(generatedAdminPassword ? { generatedAdminPassword } : {}),
    close: async () => {
      listening = false;
      streams.stop();
      await new Promise<void>((done) => {
        server.close(() => done());
        (server as Server & { closeAllConnections?: () => void }).closeAllConnections?.();
      });
      await trees.stop();
      if (!opts.treeResources) treeResources.client.close();
      await controller?.stop();
      await settings.stop();
      await clusters.stop();
      // The controller stops only the informers it made: these are the server's.
      await Promise.all([informers.apps.stop(), informers.projects.stop(), informers.managed.stop()]);
    },
  };
}

/** The project token store: reads from the watch cache (a token check costs no request), writes as auth/project-tokens.ts does. */
function projectStoreOver(resources: Resources, state: AppState, namespace: string): ProjectTokenStore {
  const direct = resourcesProjectStore(resources, namespace);
  return { getProject: (name) => state.project(namespace, name), writeRoleTokens: (project, role, tokens) => direct.writeRoleTokens(project, role, tokens) };
}

/** Creates the server's namespace when it does not exist (its settings Secret goes there). */
async function ensureNamespace(resources: Resources, namespace: string): Promise<void> {
  if (await resources.get({ apiVersion: "v1", kind: "Namespace", name: namespace })) return;
  await resources.create({ apiVersion: "v1", kind: "Namespace", metadata: { name: namespace } }).catch((err: unknown) => {
    if (!(err instanceof Error && /already exists/.test(err.message))) throw err;
  });
}
