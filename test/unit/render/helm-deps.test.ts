/**
 * Helm dependencies that are not vendored: file:// ones copied from the repository (offline, confined to
 * it), remote ones through the request's chartArchive callback, and every other case reported together.
 */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { after, describe, it } from "node:test";
import { findBinary } from "../../../src/tools/binaries.js";
import { writeChart } from "../../helpers/chartrepo.js";
import { FIXTURES, find, names, renderError, renderFixture } from "./support.js";

const run = promisify(execFile);

describe("helm dependencies", () => {
  const temps: string[] = [];
  after(async () => Promise.all(temps.map((t) => rm(t, { recursive: true, force: true }))));

  it("file:// dependencies inside the repository are copied in offline; alias and condition are helm's", async () => {
    const r = await renderFixture("chart-file-dep");
    // The alias renames the chart (.Chart.Name "twin"); the disabled one's condition keeps it out.
    assert.deepEqual(names(r.objects), ["ConfigMap demo-greeter-from-parent", "ConfigMap demo-twin-from-twin", "ConfigMap parent"]);
    assert.equal((find(r.objects, "ConfigMap", "demo-twin-from-twin").data as Record<string, string>).message, "from-twin");
    assert.ok(!existsSync(join(FIXTURES, "chart-file-dep", "charts")), "the repository's chart folder is left untouched");
  });

  it("without a chartArchive callback, every unusable dependency is reported together", async () => {
    const err = await renderError(renderFixture("chart-dep-problems"));
    assert.equal(err.problems.length, 4, err.message);
    assert.match(err.message, /dependency "outside" \(file:\/\/\.\.\/\.\.\/\.\.\/\.\.\/\.\.\/etc\): path .* is outside the repository/);
    assert.match(err.message, /dependency "absent" .*: no chart \(Chart\.yaml\) at that path/);
    assert.match(err.message, /dependency "aliased" \(@stable\) names a repository by alias, which plumb does not support; write the repository's URL/);
    assert.match(err.message, /dependency "redis" \(https:\/\/charts\.example\.invalid\) is not vendored in charts\/; .*helm dependency build.*repository Secret with type: helm/);
  });

  it("a remote dependency comes from the chartArchive callback, with its version constraint as the range", async () => {
    const tmp = await mkdtemp(join(tmpdir(), "plumb-dep-"));
    temps.push(tmp);
    const helmHome = { ...process.env, HELM_CACHE_HOME: join(tmp, "c"), HELM_CONFIG_HOME: join(tmp, "g"), HELM_DATA_HOME: join(tmp, "d") };
    await run(findBinary("helm"), ["package", await writeChart(tmp, "redis", "19.0.3"), "--destination", tmp], { env: helmHome });
    const archive = join(tmp, (await readdir(tmp)).find((f) => f.endsWith(".tgz"))!);
    const calls: string[] = [];
    const chartArchive = async (repository: string, name: string, range: string) => {
      calls.push(`${repository} ${name} ${range}`);
      return archive;
    };
    const err = await renderError(renderFixture("chart-dep-problems", undefined, { chartArchive }));
    assert.equal(err.problems.length, 3, "the remote dependency is no longer a problem");
    assert.deepEqual(calls, ["https://charts.example.invalid redis ^19.0.0"]);
    const r = await renderFixture("chart-missing-dep", undefined, {
      chartArchive: async (repository, name, range) => {
        assert.deepEqual([repository, name, range], ["https://charts.example.invalid", "redis", "19.0.0"]);
        return archive;
      },
    });
    assert.equal((find(r.objects, "ConfigMap", "redis-demo").data as Record<string, string>).chartVersion, "19.0.3");
  });

  it("a failing callback is a render problem carrying its message", async () => {
    const err = await renderError(
      renderFixture("chart-missing-dep", undefined, {
        chartArchive: () => Promise.reject(new Error("no version of chart \"redis\" matches \"19.0.0\"")),
      }),
    );
    assert.match(err.message, /dependency "redis" \(https:\/\/charts\.example\.invalid\): no version of chart "redis" matches "19\.0\.0"/);
  });
});
