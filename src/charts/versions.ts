/**
 * Choosing a chart version, as Argo CD and Helm do (Masterminds semver constraints): an exact version
 * selects itself; a range ("1.2.x", ">=1.0.0 <2.0.0", ">=1.0, <2.0", "^1.2", "~1.2.3", "*") selects the
 * highest matching version; "", "*" and "latest" select the highest stable version. Prereleases
 * ("2.0.0-rc.1") are only candidates when the constraint itself names a prerelease, as in Masterminds.
 * Pure: no I/O. Built on the `semver` package; Masterminds' comma (AND) is translated to a space.
 */
import semver from "semver";

/** True if `revision` asks for the newest version ("" / "*" / "latest"). */
export function isLatest(revision: string): boolean {
  const r = revision.trim();
  return r === "" || r === "*" || r.toLowerCase() === "latest";
}

/** The semver range for a constraint in Helm's syntax, or undefined if it is not one. */
export function toRange(constraint: string): string | undefined {
  if (isLatest(constraint)) return "*";
  const npm = constraint.trim().replace(/\s*,\s*/g, " ");
  return semver.validRange(npm, { loose: true }) ? npm : undefined;
}

/** True if a constraint names a prerelease version (then prereleases are candidates). */
export function namesPrerelease(constraint: string): boolean {
  return /\d+\.\d+\.\d+-[0-9A-Za-z]/.test(constraint);
}

/**
 * The version of `available` that `revision` selects, or undefined if none does. An entry equal to
 * `revision` (as written, or as a semver version with or without "v") is taken as is.
 */
export function selectVersion(available: readonly string[], revision: string): string | undefined {
  const wanted = revision.trim();
  if (wanted && !isLatest(wanted)) {
    const exact = available.find((v) => v === wanted);
    if (exact) return exact;
    const parsed = semver.valid(wanted, { loose: true });
    if (parsed) return available.find((v) => semver.valid(v, { loose: true }) === parsed);
  }
  const range = toRange(wanted);
  if (!range) return undefined;
  const includePrerelease = namesPrerelease(wanted);
  let best: { raw: string; v: semver.SemVer } | undefined;
  for (const raw of available) {
    const v = semver.parse(raw, { loose: true });
    if (!v) continue;
    if (v.prerelease.length && !includePrerelease) continue;
    if (!semver.satisfies(v, range, { loose: true, includePrerelease })) continue;
    if (!best || semver.gt(v, best.v)) best = { raw, v };
  }
  return best?.raw;
}
