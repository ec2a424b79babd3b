/**
 * `plumb demo`: plumb's main job on this machine, end to end. It starts the local control plane, a local Git
 * server holding a repository `demo` with the example Helm chart under `guestbook/`, and `plumb server`
 * in-process — the API server with the controller (auto-sync, prune, self-heal; Git polled every 10 s) and
 * the webhook receiver (a generated secret) — on plain HTTP on loopback, with a generated admin password;
 * creates the Application `guestbook` and waits until it is Synced and Healthy; prints what to try;
 * then streams one line per sync, self-heal or problem to stderr until Ctrl-C or SIGTERM, which stops
 * everything it started and removes its folders.
 *
 * `plumb demo --example NAME` starts the same (the controller in compat mode when the example says
 * argoCompat) and then runs examples/NAME instead of guestbook: its repositories pushed, its files applied,
 * its Applications waited for (src/examples/start.ts, the code its e2e tests run), and its README's "What to
 * try" printed (demo-example.ts). `--example` alone lists the examples.
 *
 * Every start-up step registers how to undo itself before the next one begins, so a failure or a signal at
 * any point stops exactly what is running, in reverse order. A second Ctrl-C exits at once; the local
 * cluster's watchdog still kills its processes and removes its folder.
 */
import { randomBytes } from "node:crypto";
import { cpSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import type { Command } from "commander";
import { KubeClient } from "../../cluster/client.js";
import { Resources } from "../../cluster/resources.js";
import { UsageError } from "../../core/errors.js";
import type { KubeObject } from "../../core/object.js";
import { startServer } from "../../server/server.js";
import { GitSources } from "../../controller/git-sources.js";
import { loadExample } from "../../examples/catalog.js";
import type { Example } from "../../examples/spec.js";
import { startExample, waitForApps } from "../../examples/start.js";
import { startGitServer } from "../../gitserver/server.js";
import { WorkDir } from "../../gitserver/workdir.js";
import { startLocalCluster } from "../../localcluster/cluster.js";
import { removeWhenOwnerDies } from "../../localcluster/processes.js";
import { onStopRequest } from "../signals.js";
import { checkPortFree } from "../../localcluster/ports.js";
import { packageRoot } from "../../tools/versions.js";
import { examplesListText, exampleRunningText } from "../demo-example.js";
import { hasGitIdentity, Interrupted, kubectlPathHint, LineLogger, optionalPort, plumbCommand, positive, prepareStateDir, Teardown } from "../demo-support.js";

interface DemoFlags {
  port?: string;
  gitPort?: string;
  serverPort?: string;
  webhookPort?: string;
  dir?: string;
  timeout: string;
  /** A name, or true for `--example` alone (the list). */
  example?: string | true;
}

const APP = { name: "guestbook", namespace: "plumb", destination: "guestbook" };
const POLL_INTERVAL_MS = 10_000;

export function register(program: Command): void {
  program
    .command("demo")
    .description("plumb's main job on this machine: a local cluster, a Git server with an example chart, and the controller keeping them equal, until Ctrl-C")
    .option("--port <port>", "kube-apiserver port on 127.0.0.1 (default: a free port)")
    .option("--git-port <port>", "Git server port on 127.0.0.1 (default: a free port)")
    .option("--server-port <port>", "API server port on 127.0.0.1, also serving the webhook receiver at /api/webhook (default: a free port)")
    .option("--webhook-port <port>", "the same as --server-port (the webhook receiver is served by the API server)")
    .option("--dir <dir>", "folder for the cluster, the repository and the controller's cache, new or empty (default: a temp folder); what plumb creates there is removed on exit")
    .option("--timeout <seconds>", "how long the cluster start-up and the first sync may take, each", "180")
    .option("--example [name]", "run the example system examples/<name> instead of guestbook (its repositories, its Applications, its what-to-try); alone: list the examples")
    .action(async (flags: DemoFlags) => {
      if (flags.example === true) {
        process.stdout.write(examplesListText());
        return;
      }
      const hasAppCommand = program.commands.some((c) => c.name() === "app");
      await runDemo(flags, hasAppCommand);
    });
}


async function runDemo(flags: DemoFlags, hasAppCommand: boolean): Promise<void> {
  const ports = {
    api: optionalPort(flags.port, "--port"),
    git: optionalPort(flags.gitPort, "--git-port"),
    webhook: optionalPort(flags.serverPort ?? flags.webhookPort, flags.serverPort ? "--server-port" : "--webhook-port"),
  };
  const timeoutMs = positive(flags.timeout, "--timeout") * 1000;
  // The example is read and checked before anything starts.
  const example: Example | undefined = typeof flags.example === "string" ? loadExample(flags.example) : undefined;
  const chosen = Object.values(ports).filter((p): p is number => p !== undefined);
  if (new Set(chosen).size !== chosen.length) throw new UsageError("--port, --git-port and --server-port must differ");
  // Ports first: a busy one is reported before anything starts.
  const named: Array<[number | undefined, string]> = [[ports.api, "--port (kube-apiserver)"], [ports.git, "--git-port (Git server)"], [ports.webhook, "--server-port (API server and webhook receiver)"]];
  for (const [port, what] of named) {
    if (port === undefined) continue;
    try {
      await checkPortFree(port, what);
    } catch (err) {
      throw new UsageError(err instanceof Error ? err.message : String(err));
    }
  }

  const teardown = new Teardown();
  const { state, remove: removeState } = prepareStateDir(flags.dir);
  teardown.defer("the state folder", removeState);
  const say = (line: string): boolean => process.stderr.write(`plumb: ${line}\n`);
  const abort = new AbortController();
  let signals = 0;
  const onSignal = (signal: string): void => {
    signals++;
    if (signals > 1) {
      say(`${signal} again: exiting now`);
      removeState(); // the cluster's processes are killed on exit (and by its watchdog)
      process.exit(130);
    }
    say(`${signal}: stopping everything the demo started`);
    abort.abort();
  };
  // SIGINT, SIGTERM, SIGHUP, or stdout/stderr closed (an EPIPE is a stop, not a crash): signals.ts.
  const offStop = onStopRequest(onSignal);
  // Whatever this process leaves behind if it dies without its teardown (SIGKILL) goes with it.
  removeWhenOwnerDies(state);
  const checkpoint = (): void => {
    if (abort.signal.aborted) throw new Interrupted();
  };

  const lines = new LineLogger();
  try {
    say("starting the Git server");
    mkdirSync(join(state, "git"));
    const gitServer = await startGitServer({ root: join(state, "git"), ...(ports.git !== undefined ? { port: ports.git } : {}) }).catch((err: unknown) => {
      throw new UsageError(`the Git server could not listen on 127.0.0.1:${ports.git ?? 0}: ${err instanceof Error ? err.message : String(err)}`);
    });
    teardown.defer("the Git server", () => gitServer.close());
    // An example's repositories are pushed by startExample, once the controller runs.
    const repoURL = example ? "" : await gitServer.createRepo("demo");
    const sha = example ? "" : await pushExample(repoURL);
    if (!example) say(`repository ${repoURL}: examples/guestbook pushed to main under guestbook/`);
    else say(`example ${example.name}: ${example.spec.description}`);
    checkpoint();

    say("starting the local control plane (etcd, kube-apiserver, controller-manager, scheduler, kwok)");
    const cluster = await startLocalCluster({
      name: "plumb-demo",
      dir: join(state, "cluster"),
      ...(ports.api !== undefined ? { apiServerPort: ports.api } : {}),
      readyTimeoutMs: timeoutMs,
      log: (l) => say(l),
    });
    teardown.defer("the local control plane", () => cluster.stop());
    say(`control plane processes: ${cluster.processes.map((p) => `${p.name} (pid ${p.pid})`).join(", ")}`);
    checkpoint();

    const resources = new Resources(await KubeClient.fromKubeConfig(cluster.kubeConfig));
    teardown.defer("the cluster client", () => resources.client.close());
    await resources.apply({ apiVersion: "v1", kind: "Namespace", metadata: { name: APP.namespace } });

    const secret = randomBytes(16).toString("hex");
    const sources = new GitSources({ cacheDir: join(state, "cache"), pollIntervalMs: POLL_INTERVAL_MS, resources, log: lines });
    teardown.defer("the Git mirrors", () => sources.close());
    say("starting plumb server (the API, the controller with its CRDs and watches, the webhook receiver)");
    const server = await startServer({
      resources,
      namespace: APP.namespace,
      log: lines,
      version: process.env.npm_package_version ?? "0.1.0",
      repos: sources,
      port: ports.webhook ?? 0,
      tls: "none",
      ...(example?.spec.argoCompat ? { argoCompat: true } : {}),
      controller: {},
      webhookSecrets: { github: secret, gitlab: secret, gitea: secret, bitbucket: secret },
    }).catch((err: unknown) => {
      const message = err instanceof Error ? err.message : String(err);
      throw /EADDRINUSE/.test(message) ? new UsageError(`--server-port: port ${ports.webhook} on 127.0.0.1 is already in use`) : err;
    });
    // Bounded: a sync in flight when the API server is already gone (Ctrl-C reaches the whole process group)
    // can keep the controller's stop waiting; stopping the cluster next ends it.
    teardown.defer(
      "plumb server",
      async () => {
        lines.quiet = true;
        await server.close();
      },
      10_000,
    );
    checkpoint();

    const facts = {
      server: cluster.server,
      state,
      kubeconfig: cluster.kubeconfigPath,
      webhookURL: `${server.url}/api/webhook`,
      serverURL: server.url,
      adminPassword: server.generatedAdminPassword ?? "(see Secret plumb-initial-admin-secret)",
      secret,
      kubectlPathExport: kubectlPathHint(),
      needsIdentity: !(await hasGitIdentity()),
    };
    if (example) {
      const started = await startExample(example, { resources, git: gitServer, timeoutMs, signal: abort.signal, log: say });
      checkpoint();
      process.stdout.write(exampleRunningText({ ...facts, example, started }));
      await new Promise<void>((done) => (abort.signal.aborted ? done() : abort.signal.addEventListener("abort", () => done(), { once: true })));
      return;
    }

    await resources.apply(application(repoURL));
    say(`Application ${APP.namespace}/${APP.name} created; waiting until it is Synced and Healthy`);
    const ref = { group: "plumb.dev", namespace: APP.namespace, name: APP.name };
    await waitForApps(resources, [ref], { revisions: [sha], timeoutMs, signal: abort.signal, log: say });
    checkpoint();

    process.stdout.write(
      whatToTry({
        ...facts,
        repoURL,
        appGet: hasAppCommand ? `${plumbCommand()} app get ${APP.name} -n ${APP.namespace}` : undefined,
      }),
    );
    await new Promise<void>((done) => (abort.signal.aborted ? done() : abort.signal.addEventListener("abort", () => done(), { once: true })));
  } catch (err) {
    // A signal during start-up makes the cluster's processes (same process group on Ctrl-C) fail too: that
    // is the stop the user asked for, not an error.
    if (!(err instanceof Interrupted) && !abort.signal.aborted) throw err;
  } finally {
    lines.quiet = true;
    const clean = await teardown.run();
    say(clean ? "stopped; everything the demo started is gone" : "stopped; what is named above did not stop in time and goes with this process");
    offStop();
    // A part that did not stop in time may hold the event loop open (a watch retrying): exit anyway, with
    // the code the CLI sets for how the command ended.
    if (!clean) setTimeout(() => process.exit(), 1000).unref();
  }
}

/** Pushes examples/guestbook to `repoURL`'s main branch under guestbook/, with a short README; returns the commit. */
async function pushExample(repoURL: string): Promise<string> {
  const wd = await WorkDir.clone(repoURL);
  try {
    cpSync(join(packageRoot, "examples", "guestbook"), join(wd.dir, "guestbook"), { recursive: true });
    wd.write({
      "README.md": [
        "# plumb demo",
        "",
        "`guestbook/` is a Helm chart (a web Deployment and Service in wave 1, Redis in wave 0). The Application",
        "`guestbook` in namespace `plumb` deploys it with `values.yaml` to namespace `guestbook`: edit",
        "`guestbook/values.yaml`, commit and push, and plumb deploys the change.",
        "",
      ].join("\n"),
    });
    const sha = await wd.commit("guestbook: the example Helm chart");
    await wd.push("main");
    return sha;
  } finally {
    wd.dispose();
  }
}

function application(repoURL: string): KubeObject {
  return {
    apiVersion: "plumb.dev/v1alpha1",
    kind: "Application",
    metadata: { name: APP.name, namespace: APP.namespace },
    spec: {
      project: "default",
      source: { repoURL, targetRevision: "main", path: "guestbook", helm: { valueFiles: ["values.yaml"] } },
      destination: { server: "https://kubernetes.default.svc", namespace: APP.destination },
      syncPolicy: { automated: { prune: true, selfHeal: true }, syncOptions: ["CreateNamespace=true"] },
    },
  };
}


interface TryFacts {
  server: string;
  state: string;
  kubeconfig: string;
  repoURL: string;
  webhookURL: string;
  serverURL: string;
  adminPassword: string;
  secret: string;
  kubectlPathExport?: string;
  needsIdentity: boolean;
  appGet?: string;
}

/** The "what to try" text: every command works as printed, in another terminal. */
function whatToTry(f: TryFacts): string {
  const hook = JSON.stringify({ object_kind: "push", ref: "refs/heads/main", project: { git_http_url: f.repoURL } });
  return [
    "",
    "plumb demo is running:",
    `  cluster      ${f.server}   (state in ${f.state})`,
    `  Git          ${f.repoURL}   (branch main, the Helm chart in guestbook/)`,
    `  Application  ${APP.namespace}/${APP.name} → namespace ${APP.destination}; auto-sync, prune, self-heal; Synced and Healthy`,
    `  API server   ${f.serverURL}   (user admin, password ${f.adminPassword}; plain HTTP on loopback)`,
    `  web UI       ${f.serverURL}/   (open it in a browser on this machine; log in as admin)`,
    `  webhook      ${f.webhookURL}   (secret ${f.secret}, for GitHub, GitLab, Gitea or Bitbucket)`,
    "",
    "What to try, in another terminal:",
    "",
    `  export KUBECONFIG=${f.kubeconfig}`,
    ...(f.kubectlPathExport ? [`  ${f.kubectlPathExport}`] : []),
    `  kubectl get applications -n ${APP.namespace}`,
    `  kubectl get deployments,services,pods -n ${APP.destination}`,
    "",
    `  # Push a change (replicaCount, or web.tag): plumb polls Git every ${POLL_INTERVAL_MS / 1000} s and deploys it.`,
    `  git clone ${f.repoURL} plumb-demo && cd plumb-demo`,
    ...(f.needsIdentity ? ['  git config user.name "plumb demo" && git config user.email demo@example.com'] : []),
    "  sed -i 's/replicaCount: 2/replicaCount: 3/' guestbook/values.yaml",
    '  git commit -am "three web replicas" && git push',
    `  kubectl get deployment guestbook-web -n ${APP.destination} -w`,
    "",
    "  # No need to wait for the poll: tell plumb about the push through its webhook (GitLab's format).",
    `  curl -s -X POST ${f.webhookURL} -H 'Content-Type: application/json' -H 'X-Gitlab-Event: Push Hook' -H 'X-Gitlab-Token: ${f.secret}' -d '${hook}'`,
    "",
    "  # Change the cluster by hand: self-heal puts it back as Git says.",
    `  kubectl scale deployment guestbook-web -n ${APP.destination} --replicas=5`,
    `  kubectl get deployment guestbook-web -n ${APP.destination} -w`,
    "",
    "  # The Application, with its sync and health status, resources and history — through the API server",
    "  # after logging in, or straight through the kubeconfig with --core.",
    ...(f.appGet ? [`  ${plumbCommand()} login ${f.serverURL.replace(/^http:\/\//, "")} --plaintext --username admin --password '${f.adminPassword}'`, `  ${f.appGet}`, `  ${f.appGet} --core`] : [`  kubectl get application ${APP.name} -n ${APP.namespace} -o yaml`]),
    "  # The REST API (Argo CD's paths): log in, then call it with the token.",
    `  TOKEN=$(curl -s -X POST ${f.serverURL}/api/v1/session -H 'Content-Type: application/json' -d '{"username":"admin","password":"${f.adminPassword}"}' | sed -E 's/.*"token":"([^"]*)".*/\\1/')`,
    `  curl -s ${f.serverURL}/api/v1/applications -H "Authorization: Bearer $TOKEN"`,
    "",
    "Each sync and self-heal is reported below. Press Ctrl-C to stop: everything the demo started is stopped and removed.",
    "",
  ].join("\n");
}
