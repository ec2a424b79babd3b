/**
 * Writes the CRDs of crd.ts to deploy/crds/ (plumb.dev and argoproj.io, Application and AppProject, and
 * appsets/crd.ts' ApplicationSet), so the
 * YAML users `kubectl apply` is always the code's. Run after changing a schema:
 *
 *     npx tsc -p . && node dist/src/apps/gen-crds.js            # write deploy/crds/
 *     node dist/src/apps/gen-crds.js --check                     # exit 1 if a file is stale
 *     node dist/src/apps/gen-crds.js --out DIR                   # write elsewhere
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { appSetCRDs } from "../appsets/crd.js";
import { allCRDs, crdFileName, crdYaml } from "./crd.js";

/** The repository root: the nearest folder above this file with a package.json. */
function repoRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, "package.json"))) {
    const up = dirname(dir);
    if (up === dir) throw new Error("no package.json above gen-crds");
    dir = up;
  }
  return dir;
}

function main(argv: string[]): number {
  const check = argv.includes("--check");
  const outAt = argv.indexOf("--out");
  const out = outAt >= 0 && argv[outAt + 1] ? resolve(argv[outAt + 1]!) : join(repoRoot(), "deploy", "crds");
  mkdirSync(out, { recursive: true });
  let stale = 0;
  for (const crd of allCRDs({ argoCompat: true, extra: appSetCRDs })) {
    const file = join(out, crdFileName(crd));
    const text = crdYaml(crd);
    const current = existsSync(file) ? readFileSync(file, "utf8") : undefined;
    if (current === text) continue;
    if (check) {
      process.stderr.write(`${file} is out of date; run node dist/src/apps/gen-crds.js\n`);
      stale++;
    } else {
      writeFileSync(file, text);
      process.stdout.write(`wrote ${file}\n`);
    }
  }
  return stale > 0 ? 1 : 0;
}

process.exitCode = main(process.argv.slice(2));
