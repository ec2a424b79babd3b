/**
 * src/template: Go text/template + Sprig through the pinned plumb-gotemplate (bash hack/tools.sh gotemplate),
 * in batches, and Argo CD's fasttemplate style in TypeScript. Expected values come from Argo CD's own tests
 * and docs (applicationset/utils TestSlugify, the cluster generator's nameNormalized) or from the Go and
 * Sprig documentation; none is produced by the code under test.
 */
import assert from "node:assert/strict";
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { renderFastTemplate, renderGoTemplates, type TemplateResult } from "../../src/template/index.js";

function outputs(results: TemplateResult[]): string[] {
  return results.map((r) => (r.ok ? r.output : `ERROR: ${r.error}`));
}

async function one(text: string, data: unknown, opts?: Parameters<typeof renderGoTemplates>[1]): Promise<TemplateResult> {
  const [r] = await renderGoTemplates([{ text, data }], opts);
  assert.ok(r);
  return r;
}

async function ok(text: string, data: unknown, opts?: Parameters<typeof renderGoTemplates>[1]): Promise<string> {
  const r = await one(text, data, opts);
  assert.ok(r.ok, `expected an output, got: ${r.ok ? "" : r.error}`);
  return r.output;
}

describe("renderGoTemplates", () => {
  it("renders Go template actions and Sprig functions, in job order", async () => {
    const results = await renderGoTemplates([
      { text: "{{ .cluster }}-guestbook", data: { cluster: "engineering-dev" } },
      { text: "{{ .name | upper | replace \"-\" \"_\" }}", data: { name: "my-app" } },
      { text: "{{ .cluster }}{{ dig \"nameSuffix\" \"\" . }}", data: { cluster: "engineering-prod", nameSuffix: "-my-name-suffix" } },
      { text: "{{ list 3 1 2 | sortAlpha | join \",\" }}|{{ default \"x\" .missing }}|{{ b64enc \"hi\" }}|{{ trunc 3 \"abcdef\" }}", data: {} },
      { text: "{{ toJson . }}", data: { a: [1, "b"], c: { d: true } } },
      { text: "{{ range $i, $e := .items }}{{ if $i }},{{ end }}{{ $e.name }}{{ end }}", data: { items: [{ name: "a" }, { name: "b" }] } },
      { text: "{{ sha256sum \"abc\" }}", data: {} },
    ]);
    assert.deepEqual(outputs(results), [
      "engineering-dev-guestbook",
      "MY_APP",
      "engineering-prod-my-name-suffix",
      "1,2,3|x|aGk=|abc",
      '{"a":[1,"b"],"c":{"d":true}}',
      "a,b",
      // sha256("abc"), the FIPS 180-2 test vector
      "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
    ]);
  });

  it("missingkey: error fails the template, default prints <no value>, zero the zero value", async () => {
    const text = "name={{ .present }} other={{ .absent }}";
    const data = { present: "yes" };
    const err = await one(text, data, { missingKey: "error" });
    assert.equal(err.ok, false);
    assert.match(err.ok ? "" : err.error, /map has no entry for key "absent"/);
    assert.equal(await ok(text, data, { missingKey: "default" }), "name=yes other=<no value>");
    assert.equal(await ok(text, data), "name=yes other=<no value>", "default is Go's default");
    // A map[string]any's zero value is nil: text/template prints it as <no value> as well, but no error.
    assert.equal((await one(text, data, { missingKey: "zero" })).ok, true);
  });

  it("one job's parse or execution error never fails the others", async () => {
    const results = await renderGoTemplates([
      { text: "{{ .a }}", data: { a: "first" } },
      { text: "{{ .a ", data: { a: "unclosed action" } },
      { text: "{{ fail \"boom\" }}", data: {} },
      { text: "{{ nosuchfunction 1 }}", data: {} },
      { text: "{{ .a.b.c }}", data: { a: "not a map" } },
      { text: "{{ .a }}", data: { a: "last" } },
    ]);
    assert.equal(results.length, 6);
    assert.deepEqual(results[0], { ok: true, output: "first" });
    assert.deepEqual(results[5], { ok: true, output: "last" });
    for (const [i, pattern] of [[1, /unclosed action/], [2, /boom/], [3, /function "nosuchfunction" not defined/], [4, /can't evaluate field b/]] as const) {
      const r = results[i]!;
      assert.equal(r.ok, false, `job ${i} must fail`);
      assert.match(r.ok ? "" : r.error, pattern);
    }
  });

  it("a template defined in one job is not visible to another, even with the same batch and text cache", async () => {
    const results = await renderGoTemplates([
      { text: '{{ define "x" }}from job 0{{ end }}{{ template "x" }}', data: {} },
      { text: '{{ template "x" }}', data: {} },
      { text: '{{ define "x" }}from job 0{{ end }}{{ template "x" }}', data: {} },
    ]);
    assert.deepEqual(results[0], { ok: true, output: "from job 0" });
    assert.equal(results[1]!.ok, false);
    assert.match(results[1]!.ok ? "" : results[1]!.error, /template "x" not defined/);
    assert.deepEqual(results[2], { ok: true, output: "from job 0" });
  });

  it("numbers: float64 for ApplicationSets (json.Unmarshal), int64 for notifications (unstructured), as in Argo CD", async () => {
    const data = { n: 1234567, small: 3, f: 1.5 };
    assert.equal(await ok("{{ .n }} {{ .small }} {{ .f }} {{ add .small 1 }}", data), "1.234567e+06 3 1.5 4");
    assert.equal(await ok("{{ .n }} {{ .small }} {{ .f }} {{ add .small 1 }}", data, { funcs: "notifications" }), "1234567 3 1.5 4");
  });

  it("data that cannot be passed as JSON fails only its own job", async () => {
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    const results = await renderGoTemplates([{ text: "x", data: cyclic }, { text: "{{ .v }}", data: { v: 1 } }]);
    assert.equal(results[0]!.ok, false);
    assert.deepEqual(results[1], { ok: true, output: "1" });
  });

  it("refuses env, expandenv and getHostByName: templates see neither the environment nor the network", async () => {
    process.env.PLUMB_TEMPLATE_TEST_SECRET = "s3cr3t";
    try {
      for (const funcs of ["appset", "notifications"] as const) {
        const results = await renderGoTemplates(
          [
            { text: '{{ env "PLUMB_TEMPLATE_TEST_SECRET" }}', data: {} },
            { text: '{{ expandenv "$PLUMB_TEMPLATE_TEST_SECRET" }}', data: {} },
            { text: '{{ getHostByName "localhost" }}', data: {} },
          ],
          { funcs },
        );
        for (const [i, name] of ["env", "expandenv", "getHostByName"].entries()) {
          const r = results[i]!;
          assert.equal(r.ok, false, `${name} must be refused (${funcs})`);
          assert.match(r.ok ? "" : r.error, new RegExp(`function "${name}" not defined`));
        }
      }
    } finally {
      delete process.env.PLUMB_TEMPLATE_TEST_SECRET;
    }
  });

  it("appset: normalize as Argo CD's cluster generator's nameNormalized", async () => {
    const results = await renderGoTemplates([
      { text: "{{ normalize .name }}", data: { name: "production_01/west" } },
      { text: "{{ normalize .name }}", data: { name: "-My.Cluster_Name.-" } },
      { text: "{{ normalize .name | len }}", data: { name: "a".repeat(300) } },
      { text: "{{ normalize .path.path }}", data: { path: { path: "apps/Guest Book" } } },
    ]);
    assert.deepEqual(outputs(results), ["production-01-west", "my.cluster-name", "253", "apps-guest-book"]);
  });

  it("appset: slugify with Argo CD's own cases (maxSize, smartTruncate, name)", async () => {
    const long = "feat/a_really+long_pull_request_name_to_test_argo_slugification_and_branch_name_shortening_feature";
    const oneWord = "feat/areallylongpullrequestnametotestargoslugificationandbranchnameshorteningfeature";
    const results = await renderGoTemplates([
      { text: "{{ slugify 50 false .b }}", data: { b: long } },
      { text: "{{ slugify 53 true .b }}", data: { b: long } },
      { text: "{{ slugify 50 true .b }}", data: { b: oneWord } },
      { text: "{{ slugify 50 false .b }}", data: { b: oneWord } },
      // The documented pipeline forms: the piped value is the last argument.
      { text: "{{ .b | slugify }}", data: { b: long } },
      { text: "{{ cat .b | slugify 23 }}", data: { b: long } },
      { text: "{{ slugify 50 true 3 .b }}", data: { b: long } },
      { text: "{{ slugify \"x\" .b }}", data: { b: long } },
    ]);
    const out = outputs(results);
    assert.deepEqual(out.slice(0, 4), [
      "feat-a-really-long-pull-request-name-to-test-argo",
      "feat-a-really-long-pull-request-name-to-test-argo",
      "feat",
      "feat-areallylongpullrequestnametotestargoslugifica",
    ]);
    // Default: 50 characters, smart truncation (no word cut in two).
    assert.equal(out[4], "feat-a-really-long-pull-request-name-to-test-argo");
    assert.equal(out[5], "feat-a-really-long-pull");
    assert.match(out[6]!, /^ERROR: .*at most three arguments/);
    assert.match(out[7]!, /^ERROR: .*maximum length/);
  });

  it("appset: toYaml, fromYaml, fromYamlArray, tpl", async () => {
    const results = await renderGoTemplates([
      { text: "{{ toYaml .v }}", data: { v: { b: [1, 2], a: "x" } } },
      { text: "{{ (fromYaml .s).key.inner }}", data: { s: "key:\n  inner: found\n" } },
      { text: "{{ index (fromYamlArray .s) 1 }}", data: { s: "- zero\n- one\n" } },
      { text: "{{ fromYaml .s }}", data: { s: "a: [unclosed" } },
      { text: '{{ tpl "{{ .name }}-x" . }}', data: { name: "nested" } },
    ]);
    const out = outputs(results);
    assert.equal(out[0], "a: x\nb:\n- 1\n- 2", "sigs.k8s.io/yaml, sorted keys, no trailing newline");
    assert.equal(out[1], "found");
    assert.equal(out[2], "one");
    assert.match(out[3]!, /^ERROR: /, "a YAML error is the template's error");
    assert.equal(out[4], "nested-x");
  });

  it("notifications: Argo CD Notifications' .time and .strings helpers; no appset extras", async () => {
    const results = await renderGoTemplates(
      [
        { text: "{{ call .strings.ReplaceAll .app.metadata.name \"-\" \".\" }} {{ call .strings.ToUpper \"up\" }} {{ call .strings.ToLower \"LOW\" }}", data: { app: { metadata: { name: "my-app" } } } },
        { text: '{{ (call .time.Parse "2024-05-06T07:08:09Z").Format .time.RFC1123 }}', data: {} },
        { text: "{{ (call .time.Now).Year }}", data: {} },
        { text: "{{ .app.metadata.name | toJson }} {{ .missing }}", data: { app: { metadata: { name: "x" } } } },
        { text: "{{ normalize .x }}", data: { x: "A" } },
      ],
      { funcs: "notifications" },
    );
    const out = outputs(results);
    assert.equal(out[0], "my.app UP low");
    assert.equal(out[1], "Mon, 06 May 2024 07:08:09 UTC");
    assert.equal(out[2], String(new Date().getUTCFullYear()));
    assert.equal(out[3], '"x" <no value>');
    assert.match(out[4]!, /function "normalize" not defined/);
  });

  it("bounds each template: output over 1 MiB, runaway loops and huge lists fail alone", async () => {
    const results = await renderGoTemplates(
      [
        { text: "{{ range until 1000000 }}xxxxxxxxxx{{ end }}", data: {} },
        { text: "{{ range $i := until 1000000 }}{{ range $j := until 1000000 }}{{ end }}{{ end }}", data: {} },
        { text: "{{ until 100000000 | len }}", data: {} },
        { text: "{{ repeat 100000000 \"ab\" }}", data: {} },
        { text: "{{ repeat 3 \"ab\" }}", data: {} },
      ],
      { timeoutMs: 4000 },
    );
    const out = outputs(results);
    assert.match(out[0]!, /larger than 1 MiB/);
    assert.match(out[1]!, /ran longer than \d+ ms/);
    assert.match(out[2]!, /more than the 1000000/);
    assert.match(out[3]!, /more than a template may write/);
    assert.equal(out[4], "ababab");
  });

  it("renders no process for no jobs, and throws with the build command when the tool is missing", async () => {
    assert.deepEqual(await renderGoTemplates([]), []);
    const dir = mkdtempSync(join(tmpdir(), "plumb-template-"));
    const saved = { PATH: process.env.PATH, PLUMB_CACHE_DIR: process.env.PLUMB_CACHE_DIR };
    try {
      process.env.PLUMB_CACHE_DIR = dir;
      process.env.PATH = dir;
      await assert.rejects(renderGoTemplates([{ text: "x", data: {} }]), (err: Error) => {
        assert.match(err.message, /plumb-gotemplate not found/);
        assert.match(err.message, /bash hack\/tools\.sh gotemplate/);
        return true;
      });
    } finally {
      for (const [k, v] of Object.entries(saved)) {
        if (v === undefined) delete process.env[k];
        else process.env[k] = v;
      }
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("runs the tool with an empty environment", async () => {
    // A stand-in tool that answers with what it was started with, found through PLUMB_PLUMB_GOTEMPLATE.
    const dir = mkdtempSync(join(tmpdir(), "plumb-template-"));
    const fake = join(dir, "plumb-gotemplate");
    writeFileSync(fake, `#!/bin/sh\ncat >/dev/null\nprintf '{"results":[{"output":"%s"}]}' "$(env | wc -l | tr -d ' ')"\n`);
    chmodSync(fake, 0o755);
    process.env.PLUMB_PLUMB_GOTEMPLATE = fake;
    process.env.PLUMB_TEMPLATE_TEST_SECRET = "s3cr3t";
    try {
      const [r] = await renderGoTemplates([{ text: "x", data: {} }]);
      // /bin/sh itself sets PWD (and maybe SHLVL, _): nothing of the parent's environment arrives.
      assert.ok(r?.ok && Number(r.output) <= 3, `the tool saw ${r?.ok ? r.output : "?"} environment variables`);
    } finally {
      delete process.env.PLUMB_PLUMB_GOTEMPLATE;
      delete process.env.PLUMB_TEMPLATE_TEST_SECRET;
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("renderFastTemplate", () => {
  it("replaces {{param}} and {{ param }} by flat params, Argo CD's list and git generator style", () => {
    const params = { cluster: "engineering-dev", url: "https://1.2.3.4", "path.basename": "guestbook", "metadata.labels.env": "prod" };
    assert.equal(renderFastTemplate("{{cluster}}-guestbook", params), "engineering-dev-guestbook");
    assert.equal(renderFastTemplate("{{ cluster }}/{{  path.basename  }}", params), "engineering-dev/guestbook");
    assert.equal(renderFastTemplate("server: '{{url}}' env={{metadata.labels.env}}", params), "server: 'https://1.2.3.4' env=prod");
    assert.equal(renderFastTemplate("{{cluster}}{{cluster}}", params), "engineering-devengineering-dev");
  });

  it("leaves unknown and blank params exactly as written", () => {
    const params = { known: "k" };
    assert.equal(renderFastTemplate("{{ unknown }}-{{known}}", params), "{{ unknown }}-k");
    assert.equal(renderFastTemplate("{{}} {{   }}", params), "{{}} {{   }}");
    assert.equal(renderFastTemplate("{{ .known }}", params), "{{ .known }}", "a Go-template-style reference is not a flat param");
    assert.equal(renderFastTemplate("{{toString}}", params), "{{toString}}", "only own params, not Object.prototype");
  });

  it("returns text without a one-line {{…}} unchanged, unclosed braces included", () => {
    assert.equal(renderFastTemplate("plain text", { a: "b" }), "plain text");
    assert.equal(renderFastTemplate("only {{ opening", { opening: "x" }), "only {{ opening");
    assert.equal(renderFastTemplate("{{a\n}}", { a: "x" }), "{{a\n}}", "Argo CD's isTemplatedRegex does not cross lines");
  });

  it("scans as fasttemplate: from {{ to the next }}, values are not re-scanned", () => {
    assert.equal(renderFastTemplate("{{a{{b}}", { b: "B" }), "{{a{{b}}", "the tag is 'a{{b'");
    assert.equal(renderFastTemplate("{{a}}", { a: "{{b}}", b: "no" }), "{{b}}");
    assert.equal(renderFastTemplate("x {{a}} }} y", { a: "1" }), "x 1 }} y");
  });

  it("throws on a {{ without }} in a templated text, as Argo CD refuses it", () => {
    assert.throws(() => renderFastTemplate("{{a}} {{b", { a: "1", b: "2" }), /has no closing "}}"/);
  });
});
