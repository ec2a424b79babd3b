/** `plumb health FILE`, run as a user would: the built CLI in a child process (needs `tsc` first). */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { join } from "node:path";
import { describe, it } from "node:test";
import { fixture, repoRoot } from "../../helpers/paths.js";

const MAIN = join(repoRoot, "dist", "src", "cli", "main.js");

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function plumb(args: string[], input?: string): Promise<Run> {
  return new Promise((resolve) => {
    const child = execFile(process.execPath, [MAIN, ...args], { timeout: 20_000 }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === "number" ? err.code : -1) : 0;
      resolve({ code, stdout, stderr });
    });
    child.stdin?.end(input ?? "");
  });
}

const health = (...parts: string[]) => fixture("health", ...parts);

describe("plumb health", () => {
  it("--lua-dir: a script from the folder wins over the built-in check", async () => {
    const file = health("certificate", "ready.yaml");
    assert.equal((await plumb(["health", file])).stdout, "Healthy: Certificate is up to date and has not expired\n");
    const r = await plumb(["health", file, "--lua-dir", fixture("lua", "folder")]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, "Degraded: folder: exact\n");
  });

  it("--lua-dir of a folder that does not exist is a usage error", async () => {
    const r = await plumb(["health", health("certificate", "ready.yaml"), "--lua-dir", fixture("lua", "no-such-folder")]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /does not exist/);
  });

  it("prints the status word and message", async () => {
    const r = await plumb(["health", health("deployment", "progress-deadline-exceeded.yaml")]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, 'Degraded: Deployment "api" exceeded its progress deadline\n');
  });

  it("prints only the status word when there is no message", async () => {
    const r = await plumb(["health", health("deployment", "healthy.yaml")]);
    assert.equal(r.stdout, "Healthy\n");
  });

  it("-o json prints {status, message}", async () => {
    const r = await plumb(["health", health("pod", "crashloopbackoff.yaml"), "-o", "json"]);
    assert.equal(r.code, 0, r.stderr);
    const out = JSON.parse(r.stdout) as { status: string; message: string };
    assert.deepEqual(Object.keys(out).sort(), ["message", "status"]);
    assert.equal(out.status, "Degraded");
    assert.match(out.message, /CrashLoopBackOff/);
  });

  it("exits 0 whatever the health", async () => {
    for (const f of [["pod", "failed-oomkilled.yaml"], ["pod", "phase-unknown.yaml"], ["job", "suspended.yaml"]]) {
      assert.equal((await plumb(["health", health(...f)])).code, 0, f.join("/"));
    }
  });

  it("a kind without health: status null in JSON, a sentence for people", async () => {
    const json = await plumb(["health", health("no-health", "configmap.yaml"), "--output", "json"]);
    assert.equal(json.code, 0, json.stderr);
    assert.deepEqual(JSON.parse(json.stdout), { status: null, message: "" });
    const text = await plumb(["health", health("no-health", "configmap.yaml")]);
    assert.equal(text.stdout, "no health for ConfigMap\n");
  });

  it("reads JSON files", async () => {
    const r = await plumb(["health", health("_cli", "pvc.json"), "-o", "json"]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal((JSON.parse(r.stdout) as { status: string }).status, "Progressing");
  });

  it("reports each document of a multi-document file, one line each", async () => {
    const r = await plumb(["health", health("_cli", "several.yaml")]);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(r.stdout.trimEnd().split("\n"), [
      "ConfigMap shop/api-settings: no health for ConfigMap",
      "PersistentVolumeClaim data/data-postgres-0: Degraded: The claim lost its bound volume",
      "Service shop/api: Healthy",
    ]);
  });

  it("a multi-document file gives a JSON array", async () => {
    const r = await plumb(["health", health("_cli", "several.yaml"), "-o", "json"]);
    const out = JSON.parse(r.stdout) as Array<{ kind: string; name: string; status: string | null; message: string }>;
    assert.ok(Array.isArray(out));
    assert.deepEqual(
      out.map((o) => [o.kind, o.name, o.status]),
      [
        ["ConfigMap", "api-settings", null],
        ["PersistentVolumeClaim", "data-postgres-0", "Degraded"],
        ["Service", "api", "Healthy"],
      ],
    );
  });

  it("expands a kind: List", async () => {
    const r = await plumb(["health", health("_cli", "list.yaml"), "-o", "json"]);
    assert.equal(r.code, 0, r.stderr);
    const out = JSON.parse(r.stdout) as Array<{ kind: string; status: string }>;
    assert.deepEqual(out.map((o) => `${o.kind}=${o.status}`), ["Service=Progressing", "Job=Healthy"]);
  });

  it("reads standard input with -", async () => {
    const r = await plumb(["health", "-", "-o", "json"], "apiVersion: v1\nkind: PersistentVolumeClaim\nmetadata: {name: x}\nstatus: {phase: Bound}\n");
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(JSON.parse(r.stdout), { status: "Healthy", message: "" });
  });

  describe("bad input exits 2 with a clear message", () => {
    const cases: Array<[string, string[], RegExp]> = [
      ["a file that does not exist", ["health", health("_cli", "nope.yaml")], /cannot read .*nope\.yaml: no such file/],
      ["a directory", ["health", health("_cli")], /cannot read .*: it is a directory/],
      ["invalid YAML", ["health", health("_cli", "invalid.yaml")], /invalid YAML/],
      ["no kind", ["health", health("_cli", "no-kind.yaml")], /has no kind/],
      ["not an object", ["health", health("_cli", "not-an-object.yaml")], /not a Kubernetes object/],
      ["no document at all", ["health", health("_cli", "empty.yaml")], /holds no object/],
      ["an unknown output format", ["health", health("deployment", "healthy.yaml"), "-o", "xml"], /unknown output format "xml"/],
    ];
    for (const [name, args, message] of cases) {
      it(name, async () => {
        const r = await plumb(args);
        assert.equal(r.code, 2, `stdout: ${r.stdout} stderr: ${r.stderr}`);
        assert.equal(r.stdout, "");
        assert.match(r.stderr, /^plumb: /);
        assert.match(r.stderr, message);
      });
    }

    it("a missing file argument", async () => {
      const r = await plumb(["health"]);
      assert.equal(r.code, 2);
      assert.match(r.stderr, /missing required argument 'file'/);
    });
  });
});
