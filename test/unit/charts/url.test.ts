/** Chart repository URLs: locations, normal form (cache and credential key), joining relative chart URLs. */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { ChartError } from "../../../src/charts/errors.js";
import { chartLocation, joinChartURL, normalizeChartRepoURL } from "../../../src/charts/url.js";

describe("joinChartURL", () => {
  const cases: Array<[string, string, string]> = [
    ["https://h.example/charts", "app-1.0.0.tgz", "https://h.example/charts/app-1.0.0.tgz"],
    ["https://h.example/charts/", "app-1.0.0.tgz", "https://h.example/charts/app-1.0.0.tgz"],
    ["https://h.example/charts", "sub/app-1.0.0.tgz", "https://h.example/charts/sub/app-1.0.0.tgz"],
    ["https://h.example/charts", "/other/app-1.0.0.tgz", "https://h.example/other/app-1.0.0.tgz"],
    ["https://h.example/charts", "../up/app-1.0.0.tgz", "https://h.example/up/app-1.0.0.tgz"],
    ["https://h.example/charts", "https://cdn.example/app-1.0.0.tgz", "https://cdn.example/app-1.0.0.tgz"],
    ["http://127.0.0.1:8080", "app-1.0.0.tgz", "http://127.0.0.1:8080/app-1.0.0.tgz"],
  ];
  for (const [repo, chart, want] of cases) it(`${repo} + ${chart}`, () => assert.equal(joinChartURL(repo, chart), want));
});

describe("chartLocation / normalizeChartRepoURL", () => {
  it("normalizes the host case and trailing slashes of HTTP repositories", () => {
    assert.equal(normalizeChartRepoURL("https://Charts.Example.COM/stable/"), "https://charts.example.com/stable");
    assert.equal(normalizeChartRepoURL("https://charts.example.com/stable"), "https://charts.example.com/stable");
  });
  it("tells OCI references apart: oci:// always, host/path only with enableOCI", () => {
    assert.deepEqual(chartLocation("oci://registry.example.com/charts/"), { kind: "oci", url: "registry.example.com/charts" });
    assert.deepEqual(chartLocation("registry.example.com/charts", true), { kind: "oci", url: "registry.example.com/charts" });
    assert.equal(normalizeChartRepoURL("registry.example.com/charts", true), normalizeChartRepoURL("oci://registry.example.com/charts"));
    assert.throws(() => chartLocation("registry.example.com/charts"), (e: unknown) => e instanceof ChartError && e.code === "invalid" && /enableOCI/.test(e.message));
  });
  it("refuses credentials in the URL without repeating them", () => {
    assert.throws(
      () => chartLocation("https://bob:s3cret@h.example/charts"),
      (e: unknown) => e instanceof ChartError && e.code === "invalid" && !e.message.includes("s3cret") && /repository Secret/.test(e.message),
    );
  });
});
