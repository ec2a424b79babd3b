/** The kustomize source, built with the real (pinned) kustomize binary. */
import assert from "node:assert/strict";
import { mkdtemp, readdir, readFile, rm, symlink } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import type { KubeObject } from "../../../src/core/object.js";
import { detectSourceType, render } from "../../../src/render/index.js";
import { parseKustomizeBuildOptions } from "../../../src/render/kustomize.js";
import { FIXTURES, find, names, renderError, renderFixture, tempRepo } from "./support.js";

type Container = { image: string };
const imageOf = (o: KubeObject) => ((o.spec as { template: { spec: { containers: Container[] } } }).template.spec.containers[0]!.image);

describe("kustomize source", () => {
  it("kustomize build renders a fixture kustomization", async () => {
    const r = await renderFixture("kustomize/overlay");
    assert.equal(r.type, "kustomize");
    assert.deepEqual(names(r.objects), ["ConfigMap dev-settings-47668c6k28", "Service dev-web", "Deployment dev-web"]);
    const deploy = find(r.objects, "Deployment", "dev-web");
    assert.equal(imageOf(deploy), "nginx:1.25");
    assert.deepEqual(deploy.metadata.labels, { app: "web", env: "dev" });
    assert.equal(deploy.metadata.namespace, "apps");
  });

  it("a folder with both a kustomization and a Chart.yaml renders with kustomize, as Argo CD's discovery picks", async () => {
    const r = await renderFixture("kustomize-with-chart");
    assert.equal(r.type, "kustomize");
    assert.deepEqual(names(r.objects), ["ConfigMap from-kustomize"]);
    assert.equal(detectSourceType(join(FIXTURES, "kustomize-with-chart"), { helm: {} }), "helm", "explicit helm options still win");
  });

  it("applies Argo CD's overrides on a copy: prefix/suffix replace, images, labels, annotations, namespace, replicas", async () => {
    const before = await readFile(join(FIXTURES, "kustomize/overlay/kustomization.yaml"), "utf8");
    const r = await renderFixture("kustomize/overlay", {
      kustomize: {
        namePrefix: "prod-",
        nameSuffix: "-x",
        images: ["nginx=registry.local:5000/nginx:2.0"],
        commonLabels: { team: "a" },
        commonAnnotations: { owner: "me" },
        namespace: "prod",
        replicas: [{ name: "web", count: 3 }],
      },
    });
    const deploy = find(r.objects, "Deployment", "prod-web-x");
    assert.equal(deploy.metadata.namespace, "prod");
    assert.equal(imageOf(deploy), "registry.local:5000/nginx:2.0");
    assert.equal(deploy.metadata.labels?.team, "a");
    assert.equal(deploy.metadata.annotations?.owner, "me");
    const spec = deploy.spec as { replicas: number; selector: { matchLabels: Record<string, string> } };
    assert.equal(spec.replicas, 3);
    assert.equal(spec.selector.matchLabels.team, "a", "commonLabels reach selectors");
    assert.equal(await readFile(join(FIXTURES, "kustomize/overlay/kustomization.yaml"), "utf8"), before, "the checkout is not written");
  });

  it("labelWithoutSelector keeps selectors unchanged", async () => {
    const r = await renderFixture("kustomize/overlay", { kustomize: { commonLabels: { team: "a" }, labelWithoutSelector: true } });
    const deploy = find(r.objects, "Deployment", "dev-web");
    assert.equal(deploy.metadata.labels?.team, "a");
    assert.deepEqual((deploy.spec as { selector: { matchLabels: Record<string, string> } }).selector.matchLabels, { app: "web" });
  });

  it("a label the kustomization already sets is an error unless forced", async () => {
    const err = await renderError(renderFixture("kustomize/overlay", { kustomize: { commonLabels: { env: "prod" } } }));
    assert.match(err.message, /source\.kustomize\.commonLabels: "env" is already set by kustomize\/overlay\/kustomization\.yaml; set forceCommonLabels/);
  });

  it("removes its temporary copy", async () => {
    const tmp = await mkdtemp(join(tmpdir(), "plumb-render-tmp-"));
    const saved = process.env.TMPDIR;
    process.env.TMPDIR = tmp;
    try {
      await renderFixture("kustomize/overlay", { kustomize: { namePrefix: "x-" } });
      await renderFixture("chart-basic");
      assert.deepEqual(await readdir(tmp), []);
    } finally {
      if (saved === undefined) delete process.env.TMPDIR;
      else process.env.TMPDIR = saved;
      await rm(tmp, { recursive: true, force: true });
    }
  });

  it("kustomize errors are reported with repository-relative paths", async () => {
    const err = await renderError(renderFixture("kustomize-broken"));
    assert.match(err.message, /^cannot render: kustomize-broken: kustomize build failed: .*kustomize-broken\/missing-file\.yaml/);
    assert.doesNotMatch(err.message, new RegExp(FIXTURES));
  });

  it("explicit kustomize options on a folder without a kustomization are an error", async () => {
    const err = await renderError(renderFixture("dir-basic", { kustomize: { namePrefix: "x-" } }));
    assert.match(err.message, /dir-basic: no kustomization\.yaml/);
  });

  it("a symlink in the kustomization folder leading out of the repository is refused", async () => {
    const repo = await tempRepo("kustomize");
    try {
      await symlink(join(repo.outside, "secret.yaml"), join(repo.root, "kustomize/base/leak.yaml"));
      const err = await renderError(render({ repoRoot: repo.root, path: "kustomize/base", appName: "demo", destinationNamespace: "apps" }));
      assert.match(err.message, /kustomize\/base\/leak\.yaml: symlink to .*outside\/secret\.yaml leads outside the repository/);
    } finally {
      await repo.cleanup();
    }
  });

  it("kustomize.buildOptions --enable-helm inflates helmCharts with the pinned helm, on a copy of the checkout", async () => {
    const before = await readdir(join(FIXTURES, "kustomize-helm"));
    const err = await renderError(renderFixture("kustomize-helm"));
    assert.match(err.message, /enable-helm/, "without the option kustomize refuses helmCharts");
    const { flags, problems } = parseKustomizeBuildOptions("--enable-helm");
    assert.deepEqual(problems, []);
    const r = await renderFixture("kustomize-helm", undefined, { kustomizeBuildOptions: flags });
    const cm = find(r.objects, "ConfigMap", "demo-greeting");
    assert.deepEqual(cm.data, { greeting: "hi" });
    assert.equal(cm.metadata.labels?.via, "kustomize");
    assert.deepEqual(await readdir(join(FIXTURES, "kustomize-helm")), before, "the checkout is not written");
  });

  it("kustomize.buildOptions: flags that read only the repository are admitted, the others refused with the reason", () => {
    const ok = parseKustomizeBuildOptions("--enable-helm  --load-restrictor LoadRestrictionsRootOnly --reorder=none --helm-kube-version 1.31");
    assert.deepEqual(ok, { flags: ["--enable-helm", "--load-restrictor=LoadRestrictionsRootOnly", "--reorder=none", "--helm-kube-version=1.31"], problems: [] });
    const bad = parseKustomizeBuildOptions("--load-restrictor LoadRestrictionsNone --enable-alpha-plugins --enable-exec --helm-command /bin/sh --mount type=bind --frobnicate --enable-helm");
    assert.deepEqual(bad.flags, ["--enable-helm"]);
    assert.equal(bad.problems.length, 6);
    assert.match(bad.problems[0]!, /--load-restrictor LoadRestrictionsNone is refused: .*LoadRestrictionsRootOnly/);
    assert.match(bad.problems[1]!, /--enable-alpha-plugins is refused \(it runs plugin programs/);
    assert.match(bad.problems[3]!, /--helm-command is refused/);
    assert.match(bad.problems[5]!, /--frobnicate is not a kustomize build flag/);
    assert.ok(!bad.flags.includes("/bin/sh") && !bad.problems.some((p) => /type=bind is not/.test(p)), "a refused flag's value is not read as a flag");
  });
});
