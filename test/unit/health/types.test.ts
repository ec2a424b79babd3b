import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  compareHealth,
  HEALTH_ORDER,
  type HealthResult,
  type HealthStatus,
  isHealthStatus,
  missingHealth,
  worstHealth,
} from "../../../src/health/index.js";

const r = (status: HealthStatus, message = ""): HealthResult => ({ status, message });

describe("health order", () => {
  it("is Healthy < Suspended < Progressing < Missing < Degraded < Unknown", () => {
    assert.deepEqual(HEALTH_ORDER, ["Healthy", "Suspended", "Progressing", "Missing", "Degraded", "Unknown"]);
    for (let i = 1; i < HEALTH_ORDER.length; i++) {
      assert.ok(compareHealth(HEALTH_ORDER[i - 1] as HealthStatus, HEALTH_ORDER[i] as HealthStatus) < 0);
    }
    assert.equal(compareHealth("Degraded", "Degraded"), 0);
  });

  it("sorts with compareHealth", () => {
    const sorted = (["Unknown", "Healthy", "Degraded", "Suspended"] as HealthStatus[]).sort(compareHealth);
    assert.deepEqual(sorted, ["Healthy", "Suspended", "Degraded", "Unknown"]);
  });

  it("recognizes statuses", () => {
    assert.ok(isHealthStatus("Missing"));
    assert.ok(!isHealthStatus("healthy"));
    assert.ok(!isHealthStatus(undefined));
  });
});

describe("worstHealth", () => {
  const table: Array<[string, Array<HealthResult | undefined>, HealthResult]> = [
    ["empty is Healthy", [], r("Healthy")],
    ["only kinds without health is Healthy", [undefined, undefined], r("Healthy")],
    ["one result is itself", [r("Progressing", "rolling")], r("Progressing", "rolling")],
    ["Degraded beats Progressing", [r("Progressing", "a"), r("Degraded", "b"), r("Healthy")], r("Degraded", "b")],
    ["Missing beats Progressing", [r("Progressing"), r("Missing", "gone")], r("Missing", "gone")],
    ["Degraded beats Missing", [r("Missing"), r("Degraded", "bad")], r("Degraded", "bad")],
    ["Unknown is worst", [r("Degraded"), r("Unknown", "?"), r("Missing")], r("Unknown", "?")],
    ["Suspended beats Healthy", [r("Healthy"), r("Suspended", "paused"), undefined], r("Suspended", "paused")],
    ["the first of equals wins", [r("Degraded", "first"), r("Degraded", "second")], r("Degraded", "first")],
  ];
  for (const [name, input, expected] of table) {
    it(name, () => assert.deepEqual(worstHealth(input), expected));
  }

  it("accepts any iterable", () => {
    function* gen(): Generator<HealthResult> {
      yield r("Healthy");
      yield r("Progressing", "x");
    }
    assert.equal(worstHealth(gen()).status, "Progressing");
  });
});

describe("missingHealth", () => {
  it("is Missing with a default message", () => {
    const m = missingHealth();
    assert.equal(m.status, "Missing");
    assert.ok(m.message.length > 0);
  });
  it("takes a message", () => assert.deepEqual(missingHealth("not created yet"), r("Missing", "not created yet")));
});
