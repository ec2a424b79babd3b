/** Keeping a render inside its repository: app paths and symlinks. */
import assert from "node:assert/strict";
import { mkdir, symlink } from "node:fs/promises";
import { join } from "node:path";
import { describe, it } from "node:test";
import { render, type RenderRequest } from "../../../src/render/index.js";
import { FIXTURES, find, renderError, renderFixture, tempRepo } from "./support.js";

const request = (repoRoot: string, path: string, extra: Partial<RenderRequest> = {}): RenderRequest => ({ repoRoot, path, appName: "demo", destinationNamespace: "apps", ...extra });

describe("app path", () => {
  it("a missing path is an error naming it", async () => {
    const err = await renderError(renderFixture("no/such/app"));
    assert.match(err.message, /path "no\/such\/app" does not exist in the repository/);
  });

  it("a path leaving the repository through .. is refused", async () => {
    const err = await renderError(renderFixture("../../unit"));
    assert.match(err.message, /path "\.\.\/\.\.\/unit" is outside the repository/);
  });

  it("an absolute path outside the repository is refused", async () => {
    const err = await renderError(renderFixture("/etc"));
    assert.match(err.message, /path "\/etc" is an absolute path outside the repository/);
  });

  it("a path naming a file is an error", async () => {
    const err = await renderError(renderFixture("dir-basic/b.json"));
    assert.match(err.message, /is a file; an application path names a folder/);
  });

  it("a missing repository root is an error", async () => {
    const err = await renderError(render(request(join(FIXTURES, "no-such-repo"), ".")));
    assert.match(err.message, /repository root .*no-such-repo does not exist/);
  });
});

describe("symlinks", () => {
  it("an app folder that is a symlink out of the repository is refused", async () => {
    const repo = await tempRepo("dir-basic");
    try {
      await symlink(repo.outside, join(repo.root, "app"));
      const err = await renderError(render(request(repo.root, "app")));
      assert.match(err.message, /path "app" resolves through a symlink to .*outside, outside the repository/);
    } finally {
      await repo.cleanup();
    }
  });

  it("a symlink along the path (a parent folder) leading out is refused", async () => {
    const repo = await tempRepo("dir-basic");
    try {
      await mkdir(join(repo.outside, "inner"));
      await symlink(repo.outside, join(repo.root, "linked"));
      const err = await renderError(render(request(repo.root, "linked/inner")));
      assert.match(err.message, /path "linked\/inner" resolves through a symlink/);
    } finally {
      await repo.cleanup();
    }
  });

  it("a manifest symlinked from outside the repository is refused in a directory source", async () => {
    const repo = await tempRepo("dir-basic");
    try {
      await symlink(join(repo.outside, "secret.yaml"), join(repo.root, "dir-basic", "z-leak.yaml"));
      const err = await renderError(render(request(repo.root, "dir-basic")));
      assert.match(err.message, /dir-basic\/z-leak\.yaml: symlink to .*outside\/secret\.yaml leads outside the repository/);
    } finally {
      await repo.cleanup();
    }
  });

  it("a dangling symlink pointing outside is refused too", async () => {
    const repo = await tempRepo("dir-basic");
    try {
      await symlink("/nonexistent/plumb/target.yaml", join(repo.root, "dir-basic", "z-dangling.yaml"));
      const err = await renderError(render(request(repo.root, "dir-basic")));
      assert.match(err.message, /z-dangling\.yaml: symlink to \/nonexistent\/plumb\/target\.yaml leads outside/);
    } finally {
      await repo.cleanup();
    }
  });

  it("symlinks inside the repository are fine: a linked manifest is read", async () => {
    const repo = await tempRepo("dir-basic");
    try {
      await symlink(join(repo.root, "dir-basic", "nested", "e.yaml"), join(repo.root, "dir-basic", "z-linked.yaml"));
      const r = await render(request(repo.root, "dir-basic"));
      find(r.objects, "ConfigMap", "nested-e");
    } finally {
      await repo.cleanup();
    }
  });
});
