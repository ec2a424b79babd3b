/**
 * The hot path: 10,000 applications decided for one user. `filter` must give enforce's answer for every
 * object; the per-call cost of both is printed (a rough figure for the report, not a pass/fail threshold —
 * the machine may be busy).
 */
import assert from "node:assert/strict";
import { it } from "node:test";
import { Rbac } from "../../../src/server/rbac/index.js";
import { who } from "./rbac-support.js";

const N = 10_000;
/** enforce is slow by design (casbin per row); it is timed and compared on this many of the objects. */
const N_ENFORCE = 1_000;

it(`filter agrees with enforce on ${N} applications, and is the cheap path`, async (t) => {
  const lines: string[] = [];
  for (let i = 0; i < 50; i++) lines.push(`p, team-${i}, applications, *, team-${i}/*, allow`, `p, team-${i}, applications, delete, team-${i}/prod-*, deny`, `g, lead-${i}, team-${i}`);
  lines.push("p, auditors, applications, get, */*, allow", "p, alice, applications, get, team-7/secret-*, deny");
  const big = await Rbac.create({ data: { "policy.csv": lines.join("\n"), "policy.default": "role:readonly" } });
  const mine = lines.filter((l) => /team-(3|7)\b|lead-7|auditors|alice/.test(l));
  const small = await Rbac.create({ data: { "policy.csv": mine.join("\n"), "policy.default": "role:readonly" } });
  const alice = who("alice", ["team-3", "lead-7", "auditors"]);
  const objects = Array.from({ length: N }, (_, i) => `team-${i % 60}/${i % 11 === 0 ? "secret" : i % 13 === 0 ? "prod" : "app"}-${i}`);

  for (const [name, rbac] of [["~200 rows", big], ["~50 rows (built-in + 8)", small]] as const) {
    for (const action of ["get", "delete"]) {
      let t0 = performance.now();
      const byEnforce = objects.slice(0, N_ENFORCE).map((o) => rbac.enforce(alice, "applications", action, o));
      const enforceUs = ((performance.now() - t0) * 1000) / N_ENFORCE;
      t0 = performance.now();
      const allowed = rbac.filter(alice, "applications", action);
      const byFilter = objects.map(allowed);
      const filterUs = ((performance.now() - t0) * 1000) / N;
      assert.deepEqual(byFilter.slice(0, N_ENFORCE), byEnforce, `${name} ${action}`);
      assert.ok(byFilter.includes(true) && byFilter.includes(false), "the table decides both ways");
      t.diagnostic(`${name}, ${action}: enforce ${enforceUs.toFixed(1)} µs/call, filter ${filterUs.toFixed(2)} µs/object (incl. making it)`);
    }
  }
});
