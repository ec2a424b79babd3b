import { describe, expect, it } from "vitest";
import { kindPlural, kindRank, kindShort } from "./kinds";

describe("kinds", () => {
  it("names groups in the plural", () => {
    expect(["Pod", "Ingress", "NetworkPolicy", "Endpoints", "ConfigMap"].map(kindPlural)).toEqual(["Pods", "Ingresses", "NetworkPolicies", "Endpoints", "ConfigMaps"]);
  });
  it("orders workloads before what they make, unknown kinds last", () => {
    expect(kindRank("Deployment")).toBeLessThan(kindRank("ReplicaSet"));
    expect(kindRank("ReplicaSet")).toBeLessThan(kindRank("Pod"));
    expect(kindRank("Pod")).toBeLessThan(kindRank("Service"));
    expect(kindRank("Service")).toBeLessThan(kindRank("ConfigMap"));
    expect(kindRank("Widget")).toBeGreaterThan(kindRank("Secret"));
  });
  it("labels kinds with kubectl's short names, else their capitals", () => {
    expect(kindShort("Deployment")).toBe("deploy");
    expect(kindShort("SealedSecret")).toBe("ss");
  });
});
