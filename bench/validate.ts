/**
 * Benchmark (issue 12): `plumb validate` of a generated GitOps repository of N apps, cold (empty render
 * cache) and warm (the cache of the run before), as CI runs it: the built CLI in a child process.
 *
 * The repository is a realistic mix: 40 % Helm apps sharing three charts, each with its own values file;
 * 35 % Kustomize overlays over three shared bases; 25 % plain folders; each app 4–8 objects, one
 * Application manifest per app under apps/, all in one git repository (its remote is the apps' repoURL).
 * Per size, runs alternate cold and warm; the figures are medians. `/proc/stat` is read around each run
 * for the CPU the host stole (see docs/benchmarks.md).
 *
 *   node dist/bench/validate.js [--apps 200,1000] [--runs 3] [--keep]
 */
import { execFileSync, spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { cpus, tmpdir, totalmem } from "node:os";
import { join } from "node:path";
import { stringify } from "yaml";

const arg = (name: string, dflt: string): string => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1]! : dflt;
};
const SIZES = arg("apps", "200,1000").split(",").map(Number);
const RUNS = Number(arg("runs", "3"));
/** --keep: leave the generated repository in place (printed), to profile it. */
const KEEP = process.argv.includes("--keep");
const MAIN = join(import.meta.dirname, "..", "src", "cli", "main.js");
const REPO_URL = "https://git.example.com/bench/gitops.git";

const write = (root: string, file: string, value: unknown): void => {
  mkdirSync(join(root, file, ".."), { recursive: true });
  writeFileSync(join(root, file), typeof value === "string" ? value : Array.isArray(value) ? value.map((v) => stringify(v)).join("---\n") : stringify(value));
};

function workload(name: string, image: string): unknown[] {
  const labels = { "app.kubernetes.io/name": name };
  return [
    {
      apiVersion: "apps/v1",
      kind: "Deployment",
      metadata: { name, labels },
      spec: {
        replicas: 1,
        selector: { matchLabels: labels },
        template: {
          metadata: { labels },
          spec: {
            containers: [
              {
                name: "main",
                image,
                imagePullPolicy: "Always",
                ports: [{ name: "http", containerPort: 8080 }],
                readinessProbe: { httpGet: { path: "/ready", port: "http" } },
                livenessProbe: { httpGet: { path: "/healthz", port: "http" } },
                resources: { requests: { cpu: "100m", memory: "64Mi" }, limits: { cpu: "100m", memory: "64Mi" } },
                securityContext: { runAsNonRoot: true, runAsUser: 10001, readOnlyRootFilesystem: true, allowPrivilegeEscalation: false, privileged: false },
              },
            ],
          },
        },
      },
    },
    { apiVersion: "v1", kind: "Service", metadata: { name }, spec: { selector: labels, ports: [{ port: 80, targetPort: "http" }] } },
    { apiVersion: "v1", kind: "ConfigMap", metadata: { name: `${name}-config` }, data: { level: "info" } },
    { apiVersion: "networking.k8s.io/v1", kind: "NetworkPolicy", metadata: { name }, spec: { podSelector: { matchLabels: labels }, policyTypes: ["Ingress", "Egress"] } },
  ];
}

/** Writes the repository of `n` apps; returns its folder. */
function generate(n: number): string {
  const root = mkdtempSync(join(tmpdir(), `plumb-bench-validate-${n}-`));
  for (let c = 0; c < 3; c++) {
    const chart = `charts/svc-${c}`;
    write(root, `${chart}/Chart.yaml`, { apiVersion: "v2", name: `svc-${c}`, version: "1.0.0" });
    write(root, `${chart}/values.yaml`, { image: "ghcr.io/acme/svc:1.0.0", extraConfigs: 0 });
    const objects = workload("NAME", "IMAGE")
      .map((o) => stringify(o))
      .join("---\n")
      .replace(/NAME/g, "{{ .Release.Name }}")
      .replace(/IMAGE/g, "{{ .Values.image }}");
    write(root, `${chart}/templates/app.yaml`, `${objects}{{- range $i := until (int .Values.extraConfigs) }}\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ $.Release.Name }}-extra-{{ $i }}\ndata:\n  index: "{{ $i }}"\n{{- end }}\n`);
  }
  for (let b = 0; b < 3; b++) {
    write(root, `kustomize/bases/base-${b}/resources.yaml`, workload("app", "ghcr.io/acme/base:2.0.0"));
    write(root, `kustomize/bases/base-${b}/kustomization.yaml`, { apiVersion: "kustomize.config.k8s.io/v1beta1", kind: "Kustomization", resources: ["resources.yaml"] });
  }
  for (let i = 0; i < n; i++) {
    const name = `app-${i}`;
    const kind = i % 20 < 8 ? "helm" : i % 20 < 15 ? "kustomize" : "plain";
    const extra = i % 5; // 4–8 objects
    let source: Record<string, unknown>;
    if (kind === "helm") {
      write(root, `values/${name}.yaml`, { image: `ghcr.io/acme/${name}:1.${i}.0`, extraConfigs: extra });
      source = { path: `charts/svc-${i % 3}`, helm: { valueFiles: [`../../values/${name}.yaml`] } };
    } else if (kind === "kustomize") {
      const configs = Array.from({ length: extra }, (_, j) => ({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: `extra-${j}` }, data: { index: String(j) } }));
      if (configs.length) write(root, `overlays/${name}/extra.yaml`, configs);
      write(root, `overlays/${name}/kustomization.yaml`, { apiVersion: "kustomize.config.k8s.io/v1beta1", kind: "Kustomization", namePrefix: `${name}-`, resources: [`../../kustomize/bases/base-${i % 3}`, ...(configs.length ? ["extra.yaml"] : [])] });
      source = { path: `overlays/${name}` };
    } else {
      const configs = Array.from({ length: extra }, (_, j) => ({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: `${name}-extra-${j}` }, data: { index: String(j) } }));
      write(root, `plain/${name}/manifests.yaml`, [...workload(name, `ghcr.io/acme/${name}:3.0.${i}`), ...configs]);
      source = { path: `plain/${name}` };
    }
    write(root, `apps/${name}.yaml`, {
      apiVersion: "argoproj.io/v1alpha1",
      kind: "Application",
      metadata: { name, namespace: "argocd" },
      spec: { project: "default", source: { repoURL: REPO_URL, targetRevision: "main", ...source }, destination: { server: "https://kubernetes.default.svc", namespace: name } },
    });
  }
  const git = (...a: string[]) => execFileSync("git", ["-C", root, "-c", "user.email=b@e", "-c", "user.name=bench", ...a], { stdio: "ignore" });
  git("init", "-q", "-b", "main");
  git("remote", "add", "origin", REPO_URL);
  git("add", "-A");
  git("commit", "-qm", "bench");
  return root;
}

interface Run {
  seconds: number;
  steal: number;
  apps: number;
  findings: number;
  code: number | null;
}

/** /proc/stat's first line: user nice system idle iowait irq softirq steal … (jiffies since boot). */
function cpuTimes(): number[] {
  return execFileSync("head", ["-1", "/proc/stat"], { encoding: "utf8" }).trim().split(/\s+/).slice(1).map(Number);
}

/** The host's steal between two readings, as a percentage of one core (the machine has cpus() × 100 %). */
function stealPercent(before: number[], after: number[]): number {
  const d = after.map((v, i) => v - (before[i] ?? 0));
  const total = d.reduce((a, b) => a + b, 0) || 1;
  return ((d[7] ?? 0) / total) * cpus().length * 100;
}

function validate(root: string, cacheDir: string): Run {
  const before = cpuTimes();
  const t0 = process.hrtime.bigint();
  const r = spawnSync(process.execPath, [MAIN, "validate", root, "-o", "json", "--cache-dir", cacheDir], { encoding: "utf8", maxBuffer: 512 * 1024 * 1024 });
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  const report = JSON.parse(r.stdout || "{}") as { apps?: unknown[]; findings?: unknown[] };
  return { seconds, steal: stealPercent(before, cpuTimes()), apps: report.apps?.length ?? 0, findings: report.findings?.length ?? 0, code: r.status };
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

console.log(`machine: ${cpus().length} × ${cpus()[0]?.model}, ${(totalmem() / 2 ** 30).toFixed(1)} GiB, node ${process.version}, ${new Date().toISOString()}`);
for (const n of SIZES) {
  const root = generate(n);
  const cold: Run[] = [];
  const warm: Run[] = [];
  try {
    for (let i = 0; i < RUNS; i++) {
      const cacheDir = mkdtempSync(join(tmpdir(), "plumb-bench-cache-"));
      try {
        cold.push(validate(root, cacheDir));
        warm.push(validate(root, cacheDir));
      } finally {
        rmSync(cacheDir, { recursive: true, force: true });
      }
    }
  } finally {
    if (KEEP) console.log(`kept ${root}`);
    else rmSync(root, { recursive: true, force: true });
  }
  const show = (runs: Run[]) => `median ${median(runs.map((r) => r.seconds)).toFixed(2)} s (${runs.map((r) => `${r.seconds.toFixed(2)} s/steal ${r.steal.toFixed(0)} %`).join(", ")})`;
  console.log(`${n} apps: validated ${cold[0]?.apps} apps, ${cold[0]?.findings} findings, exit ${cold[0]?.code}`);
  console.log(`  cold: ${show(cold)}`);
  console.log(`  warm: ${show(warm)}`);
}
