/**
 * Benchmark (issue 13): the cost of a Lua health check per object, and how often Argo CD's own health
 * scripts give Argo CD's answers in plumb's VM.
 *
 *   node dist/bench/lua-health.js [--rounds 20]
 *       every object of test/fixtures/health/ through bench/lua/*.lua (our own scripts), after one warm-up
 *       round: average and p99 per object, next to the built-in checks' cost on the same objects.
 *
 *   node dist/bench/lua-health.js --argocd [v3.6.1]
 *       opt-in: downloads the Argo CD module of that version from the Go module proxy into a temporary
 *       module (`go mod download -json`; needs `go`), reads its resource_customizations/ as `--lua-dir`
 *       would, and runs every case of every health_test.yaml through plumb's VM; prints the share whose
 *       status and message equal Argo CD's expected ones, and the cases that differ. Nothing of Argo CD's
 *       is kept in this repository.
 */
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { cpus, tmpdir, totalmem } from "node:os";
import { dirname, join, relative } from "node:path";
import { performance } from "node:perf_hooks";
import { parse, parseAllDocuments } from "yaml";
import { parseApiVersion, type KubeObject } from "../src/core/object.js";
import { assessHealth } from "../src/health/index.js";
import { findScript, LuaHealthVM, readScriptFolder } from "../src/health/lua/index.js";
import { repoRoot } from "../test/helpers/paths.js";
import { machineCpu } from "./controller-common.js";

const args = process.argv.slice(2);
const flag = (name: string): string | undefined => {
  const i = args.indexOf(name);
  return i < 0 ? undefined : (args[i + 1] && !args[i + 1]!.startsWith("--") ? args[i + 1] : "");
};

function yamlFiles(dir: string): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...yamlFiles(p));
    else if (e.name.endsWith(".yaml")) out.push(p);
  }
  return out;
}

function machine(): string {
  return `${cpus().length} × ${cpus()[0]?.model.trim() ?? "?"}, ${(totalmem() / 2 ** 30).toFixed(1)} GiB, node ${process.version}`;
}

async function perObject(rounds: number): Promise<void> {
  const objects = yamlFiles(join(repoRoot, "test", "fixtures", "health"))
    .filter((f) => !f.includes("/_"))
    .map((f) => parse(readFileSync(f, "utf8")) as KubeObject);
  const scripts = readdirSync(join(repoRoot, "bench", "lua")).filter((f) => f.endsWith(".lua"));
  const vm = await LuaHealthVM.create();
  const before = machineCpu();
  const wall = performance.now();
  console.log(`${machine()}; ${objects.length} fixture objects × ${rounds} rounds`);
  for (const name of scripts) {
    const script = readFileSync(join(repoRoot, "bench", "lua", name), "utf8");
    for (const o of objects) vm.run(script, o, { openLibs: true }); // warm-up: compile, JIT
    const times: number[] = [];
    for (let r = 0; r < rounds; r++) {
      for (const o of objects) {
        const t = performance.now();
        const h = vm.run(script, o, { openLibs: true });
        times.push(performance.now() - t);
        if (h.status === "Unknown") throw new Error(`${name} failed on ${o.kind}/${o.metadata.name}: ${h.message}`);
      }
    }
    times.sort((a, b) => a - b);
    const avg = times.reduce((a, b) => a + b, 0) / times.length;
    console.log(`${name}: average ${avg.toFixed(4)} ms, p50 ${times[Math.floor(times.length / 2)]!.toFixed(4)} ms, p99 ${times[Math.floor(times.length * 0.99)]!.toFixed(4)} ms per object (target average ≤ 0.2 ms: ${avg <= 0.2 ? "met" : "NOT met"})`);
  }
  const t = performance.now();
  for (let r = 0; r < rounds; r++) for (const o of objects) assessHealth(o);
  console.log(`built-in checks: average ${((performance.now() - t) / (rounds * objects.length)).toFixed(4)} ms per object`);
  const after = machineCpu();
  const seconds = (performance.now() - wall) / 1000;
  console.log(`steal ${(((after.steal - before.steal) / seconds) * 100).toFixed(1)} % of one core; machine busy ${(((after.busy - before.busy) / seconds) * 100).toFixed(0)} % (of ${cpus().length * 100} %); VM memory ${(vm.memoryUsed() / 2 ** 20).toFixed(1)} MiB`);
  vm.close();
}

interface ArgoTest {
  healthStatus: { status: string; message?: string };
  inputPath: string;
}

function downloadArgoCD(version: string): { dir: string; cleanup: () => void } {
  const tmp = mkdtempSync(join(tmpdir(), "plumb-argocd-mod-"));
  writeFileSync(join(tmp, "go.mod"), "module benchtmp\n\ngo 1.22\n");
  const env = { ...process.env, GOMODCACHE: join(tmp, "modcache"), GOFLAGS: "-modcacherw" };
  let out: string;
  try {
    out = execFileSync("go", ["mod", "download", "-json", `github.com/argoproj/argo-cd/v3@${version}`], { cwd: tmp, env, encoding: "utf8", maxBuffer: 16 * 2 ** 20 });
  } catch (err) {
    // go exits 1 when the module needs a newer Go than the local one, after downloading the zip.
    out = String((err as { stdout?: unknown }).stdout ?? "");
  }
  const info = JSON.parse(out) as { Dir?: string; Zip?: string; Error?: string };
  const cleanup = (): void => rmSync(tmp, { recursive: true, force: true });
  if (info.Dir && existsSync(info.Dir)) return { dir: info.Dir, cleanup };
  if (!info.Zip || !existsSync(info.Zip)) throw new Error(`go mod download: ${info.Error ?? out}`);
  // The module zip holds <module>@<version>/...: extract it ourselves.
  const into = join(tmp, "src");
  execFileSync("unzip", ["-q", info.Zip, "*/resource_customizations/*", "-d", into]);
  return { dir: join(into, `github.com/argoproj/argo-cd/v3@${version}`), cleanup };
}

async function argocd(version: string): Promise<void> {
  const local = process.env.PLUMB_ARGOCD_DIR; // an already downloaded module, to skip the download
  const { dir, cleanup } = local ? { dir: local, cleanup: () => undefined } : downloadArgoCD(version);
  try {
    const root = join(dir, "resource_customizations");
    const { scripts } = readScriptFolder(root);
    const vm = await LuaHealthVM.create();
    let total = 0;
    let same = 0;
    const differ: string[] = [];
    const before = machineCpu();
    const wall = performance.now();
    for (const testFile of yamlFiles(root).filter((f) => f.endsWith("health_test.yaml"))) {
      const folder = dirname(testFile);
      const tests = (parse(readFileSync(testFile, "utf8")) as { tests?: ArgoTest[] } | null)?.tests ?? [];
      for (const t of tests) {
        total++;
        if (typeof t.inputPath !== "string") {
          differ.push(`${relative(root, folder)}: a test case without inputPath`);
          continue;
        }
        const where = `${relative(root, folder)}/${t.inputPath}`;
        const input = join(folder, t.inputPath);
        if (!existsSync(input) || !statSync(input).isFile()) {
          differ.push(`${where}: input missing`);
          continue;
        }
        let obj: KubeObject;
        try {
          // Go's yaml.Unmarshal, as Argo CD's test reads it, takes the first document of a stream.
          const [first] = parseAllDocuments(readFileSync(input, "utf8"), { uniqueKeys: false });
          if (!first || first.errors[0]) throw first?.errors[0] ?? new Error("empty file");
          obj = first.toJS() as KubeObject;
        } catch (err) {
          differ.push(`${where}: input is not YAML the yaml package reads (${err instanceof Error ? err.message.split("\n")[0] : String(err)})`);
          continue;
        }
        const script = findScript([scripts], parseApiVersion(obj.apiVersion ?? "").group, obj.kind);
        if (!script) {
          differ.push(`${where}: no script found for ${obj.apiVersion}/${obj.kind}`);
          continue;
        }
        const got = vm.run(script.script, obj, { openLibs: script.openLibs });
        const want = { status: t.healthStatus.status, message: t.healthStatus.message ?? "" };
        if (got.status === want.status && got.message === want.message) same++;
        else differ.push(`${where}: got ${got.status} "${got.message}", want ${want.status} "${want.message}"`);
      }
    }
    const after = machineCpu();
    const seconds = (performance.now() - wall) / 1000;
    console.log(`Argo CD ${version}: ${scripts.size} health scripts, ${total} test cases; ${same} give Argo CD's status and message (${((100 * same) / Math.max(total, 1)).toFixed(2)} %, goal ≥ 99 %)`);
    console.log(`${machine()}; ${seconds.toFixed(1)} s; steal ${(((after.steal - before.steal) / seconds) * 100).toFixed(1)} % of one core`);
    for (const d of differ) console.log(`  differs: ${d}`);
    vm.close();
  } finally {
    cleanup();
  }
}

const version = flag("--argocd");
if (version !== undefined) await argocd(version || "v3.6.1");
else await perObject(Number(flag("--rounds") || 20));
