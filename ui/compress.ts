/**
 * A build step of our own: after Vite writes the bundle, every text file of the output (JS, CSS, HTML,
 * SVG, JSON) big enough to gain gets a `.br` (brotli, best quality) and a `.gz` (gzip -9) sibling, which
 * plumb's server (src/server/static.ts) sends when the browser accepts them — nothing is compressed at
 * request time.
 */
import { readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { brotliCompressSync, constants, gzipSync } from "node:zlib";
import type { Plugin } from "vite";

const TEXT = /\.(js|mjs|css|html|svg|json|txt|map)$/;
/** Below this a compressed file saves less than its headers cost. */
const MIN_BYTES = 256;

function walk(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    return statSync(p).isDirectory() ? walk(p) : [p];
  });
}

/** The Vite plugin: writes the siblings when the bundle is closed. */
export function precompress(): Plugin {
  let outDir = "dist";
  return {
    name: "plumb-precompress",
    apply: "build",
    configResolved(config) {
      outDir = config.build.outDir;
    },
    closeBundle() {
      for (const file of walk(outDir)) {
        if (!TEXT.test(file)) continue;
        const data = readFileSync(file);
        if (data.length < MIN_BYTES) continue;
        writeFileSync(`${file}.br`, brotliCompressSync(data, { params: { [constants.BROTLI_PARAM_QUALITY]: 11, [constants.BROTLI_PARAM_SIZE_HINT]: data.length } }));
        writeFileSync(`${file}.gz`, gzipSync(data, { level: 9 }));
      }
    },
  };
}
