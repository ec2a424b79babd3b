/**
 * A local Kubernetes control plane on loopback: etcd, kube-apiserver, kube-controller-manager,
 * kube-scheduler and kwok, which plays the kubelet for fake nodes so that Pods are scheduled and become
 * Running and Ready, Deployments roll out and Jobs complete.
 *
 * Start-up, in order, each step waiting for the previous one to be healthy: certificates and kubeconfig →
 * etcd (/health) → kube-apiserver (/readyz) → controller-manager, scheduler, kwok → fake nodes → nodes
 * Ready and the `default` ServiceAccount present. Any failure stops what was started, removes the folder
 * and throws a ClusterError carrying the tail of each component's log.
 *
 * With `auditLog`, kube-apiserver also records every write (audit.ts) so that tests can count them.
 *
 * Every cluster has its own folder and ports, so several run side by side. Nothing outlives `stop()`, and
 * a watchdog cleans up if the owning process dies first (see processes.ts).
 */
import { randomBytes } from "node:crypto";
import { mkdtempSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { request } from "node:https";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { KubeConfig, KubernetesObject } from "@kubernetes/client-node";
import { stringify } from "yaml";
import { ClusterError } from "../core/errors.js";
import { findBinary } from "../tools/binaries.js";
import { cachedBinDir } from "../tools/versions.js";
import { prepareAudit } from "./audit.js";
import { checkPortFree, freePorts, waitPortFree } from "./ports.js";
import { ProcessGroup, sleep, type ManagedProcess } from "./processes.js";

export interface LocalClusterOptions {
  /** Shown in messages and used as the kubeconfig context name. Default "plumb-local". */
  name?: string;
  /** Working folder (certificates, etcd data, logs). Default: a new folder under the OS temp dir. */
  dir?: string;
  /** Keep the folder after stop (for debugging). Default false. */
  keepDir?: boolean;
  /** kube-apiserver's port on 127.0.0.1. Default: a free port. */
  apiServerPort?: number;
  /** Number of fake nodes. Default 2. */
  nodes?: number;
  /** How long the whole start-up may take before it is abandoned with the logs shown. Default 120 s. */
  readyTimeoutMs?: number;
  /** Progress lines for people. Default: silent. */
  log?: (line: string) => void;
  /**
   * Record the API server's writes (not reads, events or leases) as JSON lines in `auditLogPath`, for
   * tests that count writes per object (audit.ts has the policy). Default false.
   */
  auditLog?: boolean;
}

export interface LocalCluster {
  name: string;
  dir: string;
  /** https://127.0.0.1:<port> */
  server: string;
  kubeconfigPath: string;
  kubeConfig: KubeConfig;
  /** With the auditLog option: the API server's audit log (one JSON event a line), in `dir`. */
  auditLogPath?: string;
  /** The processes it runs (name and pid) and the loopback ports it holds, for checks and diagnostics. */
  processes: Array<{ name: string; pid: number }>;
  ports: number[];
  /** Stops every process and removes the folder (unless keepDir). Safe to call twice. */
  stop(): Promise<void>;
  /**
   * Stops kube-apiserver alone (etcd and its data, the other components keep running): clients get
   * "connection refused" on its port until startApiServer(). For tests of an unreachable cluster.
   */
  stopApiServer(): Promise<void>;
  /** Starts kube-apiserver again, on the same port with the same data; resolves once it is ready. */
  startApiServer(): Promise<void>;
  /** Stops etcd alone (its data kept): kube-apiserver stays up but cannot read or write until startEtcd(). */
  stopEtcd(): Promise<void>;
  /** Starts etcd again with the same data and ports; resolves once etcd is healthy and kube-apiserver ready. */
  startEtcd(): Promise<void>;
  /**
   * Freezes kube-apiserver (SIGSTOP): its port still accepts connections but nothing answers — a hanging
   * cluster, the hardest case for clients. resumeApiServer() (SIGCONT) lets it go on.
   */
  pauseApiServer(): void;
  resumeApiServer(): void;
}

const KWOK_NODE_ANNOTATION = "kwok.x-k8s.io/node";

/** Starts a local control plane and resolves once it can run workloads. */
export async function startLocalCluster(opts: LocalClusterOptions = {}): Promise<LocalCluster> {
  const name = opts.name ?? "plumb-local";
  const log = opts.log ?? (() => {});
  const deadline = Date.now() + (opts.readyTimeoutMs ?? 120_000);
  const bins = {
    etcd: findBinary("etcd"),
    apiserver: findBinary("kube-apiserver"),
    kcm: findBinary("kube-controller-manager"),
    scheduler: findBinary("kube-scheduler"),
    kwok: findBinary("kwok"),
  };
  if (opts.apiServerPort !== undefined) await checkPortFree(opts.apiServerPort, "kube-apiserver");

  const dir = opts.dir ?? mkdtempSync(join(tmpdir(), "plumb-cluster-"));
  mkdirSync(dir, { recursive: true });
  const group = new ProcessGroup(dir);
  group.guard();
  let stopped = false;
  const stop = async (): Promise<void> => {
    if (stopped) return;
    stopped = true;
    await group.stop();
    if (!opts.keepDir) rmSync(dir, { recursive: true, force: true });
  };

  try {
    const [etcdPort, peerPort, kcmPort, schedPort, kwokPort, freeApi] = await freePorts(6);
    const apiPort = opts.apiServerPort ?? freeApi!;
    const server = `https://127.0.0.1:${apiPort}`;

    // Loaded here, not at the top: both libraries are slow to import and most CLI commands never need them.
    const { generateCertificates } = await import("./certs.js");
    const certs = await generateCertificates();
    const pki = join(dir, "pki");
    mkdirSync(pki);
    const files = {
      ca: join(pki, "ca.crt"),
      apiCert: join(pki, "apiserver.crt"),
      apiKey: join(pki, "apiserver.key"),
      adminCert: join(pki, "admin.crt"),
      adminKey: join(pki, "admin.key"),
      tokens: join(pki, "tokens.csv"),
      saKey: join(pki, "sa.key"),
      saPub: join(pki, "sa.pub"),
    };
    writeFileSync(files.ca, certs.ca.cert);
    writeFileSync(files.apiCert, certs.apiserver.cert);
    writeFileSync(files.apiKey, certs.apiserver.key, { mode: 0o600 });
    writeFileSync(files.adminCert, certs.admin.cert);
    writeFileSync(files.adminKey, certs.admin.key, { mode: 0o600 });
    writeFileSync(files.saKey, certs.serviceAccount.key, { mode: 0o600 });
    writeFileSync(files.saPub, certs.serviceAccount.pub);

    // Clients (kubectl, plumb, kube-controller-manager) authenticate with a bearer token from a static
    // token file: kube-apiserver verifies a client certificate's chain (an ECDSA signature) on every
    // request, which took 6 % of its CPU under the 1,000-app benchmark's load; a token is a map lookup,
    // as cheap as the cached service-account tokens of a controller running in a real cluster. The admin
    // certificate is kept for the readiness probe below.
    const token = randomBytes(24).toString("hex");
    writeFileSync(files.tokens, `${token},plumb-admin,plumb-admin,system:masters\n`, { mode: 0o600 });
    const kubeconfigPath = join(dir, "kubeconfig");
    writeFileSync(kubeconfigPath, kubeconfigYaml(name, server, certs.ca.cert, token), { mode: 0o600 });

    const step = async (what: string, proc: ManagedProcess | undefined, check: () => Promise<boolean>): Promise<void> => {
      for (;;) {
        if (proc?.exit) throw failure(group, `${what} exited during start-up (code ${proc.exit.code ?? proc.exit.signal})`);
        if (await check().catch(() => false)) return;
        if (Date.now() > deadline) throw failure(group, `${what} did not become ready within ${Math.round((opts.readyTimeoutMs ?? 120_000) / 1000)} s`);
        await sleep(200);
      }
    };

    log(`starting etcd on 127.0.0.1:${etcdPort}`);
    const etcdArgs = [
      "--name=default",
      `--data-dir=${join(dir, "etcd")}`,
      `--listen-client-urls=http://127.0.0.1:${etcdPort}`,
      `--advertise-client-urls=http://127.0.0.1:${etcdPort}`,
      `--listen-peer-urls=http://127.0.0.1:${peerPort}`,
      `--initial-advertise-peer-urls=http://127.0.0.1:${peerPort}`,
      `--initial-cluster=default=http://127.0.0.1:${peerPort}`,
      "--listen-metrics-urls=",
      // A throw-away test cluster: durability buys nothing, fsync costs a lot on shared disks.
      "--unsafe-no-fsync=true",
      "--quota-backend-bytes=4294967296",
      "--log-level=warn",
    ];
    let etcd = group.start("etcd", bins.etcd, etcdArgs);
    await step("etcd", etcd, async () => (await httpGet(`http://127.0.0.1:${etcdPort}/health`)).includes('"health":"true"'));

    const audit = opts.auditLog ? prepareAudit(dir) : undefined;
    log(`starting kube-apiserver on ${server}${audit ? `, auditing writes to ${audit.logPath}` : ""}`);
    const apiserverArgs = [
      `--etcd-servers=http://127.0.0.1:${etcdPort}`,
      "--bind-address=127.0.0.1",
      "--advertise-address=127.0.0.1",
      `--secure-port=${apiPort}`,
      `--cert-dir=${pki}`,
      `--tls-cert-file=${files.apiCert}`,
      `--tls-private-key-file=${files.apiKey}`,
      `--client-ca-file=${files.ca}`,
      `--token-auth-file=${files.tokens}`,
      `--service-account-key-file=${files.saPub}`,
      `--service-account-signing-key-file=${files.saKey}`,
      "--service-account-issuer=https://kubernetes.default.svc.cluster.local",
      "--service-cluster-ip-range=10.96.0.0/16",
      "--authorization-mode=RBAC",
      "--allow-privileged=true",
      // The built-in "kubernetes" Service would point at 127.0.0.1, which the endpoint reconciler refuses.
      "--endpoint-reconciler-type=none",
      "--enable-priority-and-fairness=false",
      "--profiling=false",
      ...(audit?.flags ?? []),
      "--v=0",
    ];
    let apiserver = group.start("kube-apiserver", bins.apiserver, apiserverArgs);
    const tls = { ca: certs.ca.cert, cert: certs.admin.cert, key: certs.admin.key };
    await step("kube-apiserver", apiserver, async () => (await httpsGet(`${server}/readyz`, tls)) === "ok");
    let paused = false;
    const apiControl = {
      async stopApiServer(): Promise<void> {
        if (paused) apiControl.resumeApiServer();
        await group.stopOne(apiserver);
      },
      async startApiServer(): Promise<void> {
        if (!apiserver.exit) return;
        await waitPortFree(apiPort, 10_000);
        apiserver = group.start("kube-apiserver", bins.apiserver, apiserverArgs);
        const until = Date.now() + (opts.readyTimeoutMs ?? 120_000);
        for (;;) {
          if (apiserver.exit) throw failure(group, `kube-apiserver exited on restart (code ${apiserver.exit.code ?? apiserver.exit.signal})`);
          if ((await httpsGet(`${server}/readyz`, tls).catch(() => "")) === "ok") return;
          if (Date.now() > until) throw failure(group, "kube-apiserver did not become ready again after its restart");
          await sleep(200);
        }
      },
      async stopEtcd(): Promise<void> {
        await group.stopOne(etcd);
      },
      async startEtcd(): Promise<void> {
        if (!etcd.exit) return;
        await waitPortFree(etcdPort!, 10_000);
        etcd = group.start("etcd", bins.etcd, etcdArgs);
        const until = Date.now() + (opts.readyTimeoutMs ?? 120_000);
        for (;;) {
          if (etcd.exit) throw failure(group, `etcd exited on restart (code ${etcd.exit.code ?? etcd.exit.signal})`);
          const healthy = (await httpGet(`http://127.0.0.1:${etcdPort}/health`).catch(() => "")).includes('"health":"true"');
          if (healthy && (await httpsGet(`${server}/readyz`, tls).catch(() => "")) === "ok") return;
          if (Date.now() > until) throw failure(group, "etcd or kube-apiserver did not become ready again after etcd's restart");
          await sleep(200);
        }
      },
      pauseApiServer(): void {
        if (apiserver.exit || paused) return;
        apiserver.child.kill("SIGSTOP");
        paused = true;
      },
      resumeApiServer(): void {
        if (!paused) return;
        paused = false;
        if (!apiserver.exit) apiserver.child.kill("SIGCONT");
      },
    };

    log("starting kube-controller-manager, kube-scheduler and kwok");
    const kcm = group.start("kube-controller-manager", bins.kcm, [
      `--kubeconfig=${kubeconfigPath}`,
      `--authentication-kubeconfig=${kubeconfigPath}`,
      `--authorization-kubeconfig=${kubeconfigPath}`,
      "--bind-address=127.0.0.1",
      `--secure-port=${kcmPort}`,
      `--cert-dir=${join(dir, "kcm")}`,
      `--service-account-private-key-file=${files.saKey}`,
      `--root-ca-file=${files.ca}`,
      "--leader-elect=false",
      "--use-service-account-credentials=false",
      // The node lifecycle controller lifts the not-ready taint once kwok reports a node Ready. Its grace
      // period is long and taint-based eviction is off: on a loaded 2-core machine a late heartbeat must
      // not evict every Pod in the middle of a test.
      "--controllers=*,-taint-eviction-controller",
      "--node-monitor-grace-period=600s",
      "--concurrent-deployment-syncs=10",
      "--concurrent-replicaset-syncs=10",
      "--kube-api-qps=200",
      "--kube-api-burst=400",
      "--v=0",
    ]);
    const scheduler = group.start("kube-scheduler", bins.scheduler, [
      `--kubeconfig=${kubeconfigPath}`,
      `--authentication-kubeconfig=${kubeconfigPath}`,
      `--authorization-kubeconfig=${kubeconfigPath}`,
      "--bind-address=127.0.0.1",
      `--secure-port=${schedPort}`,
      `--cert-dir=${join(dir, "scheduler")}`,
      "--leader-elect=false",
      "--v=0",
    ]);
    const kwokConfig = join(dir, "kwok.yaml");
    writeFileSync(kwokConfig, kwokStages());
    const kwok = group.start("kwok", bins.kwok, [
      `--kubeconfig=${kubeconfigPath}`,
      `--config=${kwokConfig}`,
      `--manage-nodes-with-annotation-selector=${KWOK_NODE_ANNOTATION}=fake`,
      "--node-lease-duration-seconds=40",
      `--server-address=127.0.0.1:${kwokPort}`,
      "--cidr=10.244.0.0/16",
      "--node-ip=10.0.0.1",
    ]);

    const { KubeConfig, KubernetesObjectApi } = await import("@kubernetes/client-node");
    const kc = new KubeConfig();
    kc.loadFromFile(kubeconfigPath);
    const api = KubernetesObjectApi.makeApiClient(kc);
    const nodeNames = Array.from({ length: opts.nodes ?? 2 }, (_, i) => `kwok-node-${i}`);
    for (const n of nodeNames) await api.create(fakeNode(n));

    const procs = [kcm, scheduler, kwok];
    const anyExited = (): ManagedProcess | undefined => procs.find((p) => p.exit);
    await step("the fake nodes", anyExited(), async () => {
      const exited = anyExited();
      if (exited) throw failure(group, `${exited.name} exited during start-up (code ${exited.exit?.code ?? exited.exit?.signal})`);
      type NodeObj = KubernetesObject & { spec?: { taints?: Array<{ key: string }> }; status?: { conditions?: Array<{ type: string; status: string }> } };
      const list = await api.list<NodeObj>("v1", "Node");
      // Ready, and the not-ready taint lifted, so the scheduler will use the node.
      const usable = (n: NodeObj): boolean =>
        !!n.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True") && !n.spec?.taints?.some((t) => t.key.startsWith("node.kubernetes.io/"));
      return list.items.filter(usable).length === nodeNames.length;
    }).catch(rethrowFailure);
    await step("the default ServiceAccount", anyExited(), async () => {
      const exited = anyExited();
      if (exited) throw failure(group, `${exited.name} exited during start-up`);
      await api.read({ apiVersion: "v1", kind: "ServiceAccount", metadata: { name: "default", namespace: "default" } });
      return true;
    }).catch(rethrowFailure);
    await step("kube-scheduler", scheduler, async () => (await httpsGet(`https://127.0.0.1:${schedPort}/healthz`, { ca: undefined })) === "ok");

    log(`cluster "${name}" is ready (${nodeNames.length} nodes)`);
    const processes = group.list().map((p) => ({ name: p.name, pid: p.pid }));
    const ports = [etcdPort!, peerPort!, apiPort, kcmPort!, schedPort!, kwokPort!];
    const stopAll = async (): Promise<void> => {
      apiControl.resumeApiServer();
      await stop();
    };
    return { name, dir, server, kubeconfigPath, kubeConfig: kc, ...(audit ? { auditLogPath: audit.logPath } : {}), processes, ports, stop: stopAll, ...apiControl };
  } catch (err) {
    await stop();
    if (err instanceof ClusterError) throw err;
    throw new ClusterError(`the local cluster did not start: ${err instanceof Error ? err.message : String(err)}`, "see the message above; run with a fresh folder, or check the tools with `bash hack/tools.sh`");
  }
}

/** Failures thrown inside a readiness check must not be swallowed as "not ready yet". */
function rethrowFailure(err: unknown): never {
  throw err;
}

function failure(group: ProcessGroup, what: string): ClusterError {
  const logs = group
    .list()
    .map((p) => `--- ${p.name} (${p.exit ? `exited: ${p.exit.code ?? p.exit.signal}` : "running"}), last lines of ${p.logFile}:\n${group.tail(p)}`)
    .join("\n");
  return new ClusterError(`local cluster: ${what}\n${logs}`, "the logs above say why; `bash hack/tools.sh` rebuilds missing binaries");
}

function kubeconfigYaml(name: string, server: string, ca: string, token: string): string {
  const b64 = (s: string): string => Buffer.from(s).toString("base64");
  return stringify({
    apiVersion: "v1",
    kind: "Config",
    clusters: [{ name, cluster: { server, "certificate-authority-data": b64(ca) } }],
    users: [{ name: `${name}-admin`, user: { token } }],
    contexts: [{ name, context: { cluster: name, user: `${name}-admin`, namespace: "default" } }],
    "current-context": name,
  });
}

function fakeNode(name: string): KubernetesObject {
  const resources = { cpu: "64", memory: "256Gi", pods: "1000", "ephemeral-storage": "1Ti" };
  return {
    apiVersion: "v1",
    kind: "Node",
    metadata: {
      name,
      annotations: { [KWOK_NODE_ANNOTATION]: "fake", "node.alpha.kubernetes.io/ttl": "0" },
      labels: { type: "kwok", "kubernetes.io/hostname": name, "kubernetes.io/os": "linux", "kubernetes.io/arch": "amd64" },
    },
    // @ts-expect-error spec and status are not in KubernetesObject's type but are sent as they are.
    spec: {},
    status: { allocatable: resources, capacity: resources, nodeInfo: { kubeletVersion: "fake", operatingSystem: "linux", architecture: "amd64" } },
  };
}

/** kwok's standalone binary ships no stages: the ones hack/tools.sh copied from the kwok module. */
function kwokStages(): string {
  const dir = join(cachedBinDir("kwok"), "..", "stages");
  const names = ["node-initialize", "node-heartbeat-with-lease", "pod-ready", "pod-complete", "pod-delete"];
  return names.map((n) => readFileSync(join(dir, `${n}.yaml`), "utf8").trim()).join("\n---\n") + "\n";
}

function httpGet(url: string): Promise<string> {
  return fetch(url, { signal: AbortSignal.timeout(2000) }).then((r) => r.text());
}

/** GET over TLS with an explicit CA and client certificate (`ca: undefined` skips verification: loopback health checks of self-signed components). */
function httpsGet(url: string, tls: { ca?: string; cert?: string; key?: string }): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = request(url, { ...tls, rejectUnauthorized: tls.ca !== undefined, timeout: 2000 }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (c: string) => (body += c));
      res.on("end", () => resolve(body));
    });
    req.on("timeout", () => req.destroy(new Error("timeout")));
    req.on("error", reject);
    req.end();
  });
}
