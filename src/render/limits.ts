/**
 * Input caps of a render, checked before anything is parsed in full (issue 15): a manifest file over the
 * per-file cap is refused from its size on disk (stat, never read); the manifest files of an app together
 * over the per-app cap are refused the same way; a stream with more documents than the per-app count is
 * refused from a scan of its document markers, before the YAML parser builds any of them. A tool's output
 * (helm, kustomize, plugins) is counted as it streams and the tool stopped past MAX_RENDER_OUTPUT_BYTES
 * (exec.ts). Argo CD caps a directory's manifests at 10 MiB (`--max-combined-directory-manifests-size`).
 *
 * Also the event-loop budget of long parses: `yieldEvery` gives the loop back to other apps' work (watch
 * events, reconciles, probes) whenever a slice of synchronous work has run for `sliceMs`.
 *
 * Pure but for `setImmediate`.
 */

/** The caps of a render. */
export interface ManifestLimits {
  /** One manifest file, in bytes. */
  fileBytes: number;
  /** All manifest files of one app together, in bytes. */
  appBytes: number;
  /** YAML/JSON documents of one app. */
  documents: number;
}

const MiB = 1024 * 1024;

/** The defaults: 10 MiB per file (Argo CD's whole-directory cap), 32 MiB per app, 20,000 documents per app. */
export const DEFAULT_MANIFEST_LIMITS: ManifestLimits = { fileBytes: 10 * MiB, appBytes: 32 * MiB, documents: 20_000 };

/** "20.0 MiB" */
export function formatBytes(n: number): string {
  return n >= MiB ? `${(n / MiB).toFixed(1)} MiB` : n >= 1024 ? `${(n / 1024).toFixed(1)} KiB` : `${n} bytes`;
}

/** Document markers (`---` at the start of a line) in `text`, plus one for the first document: an upper bound of the documents. */
export function countDocumentMarkers(text: string): number {
  let n = 1;
  let i = text.indexOf("---");
  while (i >= 0) {
    if (i === 0 || text.charCodeAt(i - 1) === 10) n++;
    i = text.indexOf("---", i + 3);
  }
  return n;
}

/** A budget of synchronous work: `due()` says when the slice is spent; `pause()` yields to the event loop. */
export class Slicer {
  private start = performance.now();
  constructor(private readonly sliceMs = 10) {}
  due(): boolean {
    return performance.now() - this.start >= this.sliceMs;
  }
  /** Yields to the event loop (setImmediate: after pending I/O callbacks) if the slice is spent. */
  async yieldIfDue(): Promise<void> {
    if (!this.due()) return;
    await new Promise<void>((resolve) => setImmediate(resolve));
    this.start = performance.now();
  }
}
