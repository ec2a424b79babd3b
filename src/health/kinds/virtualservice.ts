/**
 * Istio VirtualService health (networking.istio.io). Istio config objects have no lifecycle of their own:
 * they are accepted or not. So no health, unless istiod's analysis (status.validationMessages, when
 * status reporting is on) reports an error, which is Degraded. Warnings and infos are not faults.
 */
import type { KubeObject } from "../../core/object.js";
import { list, record, statusOf, str } from "../fields.js";
import type { HealthResult } from "../types.js";

/** The health of a networking.istio.io VirtualService: Degraded on a validation error, else none. */
export function virtualServiceHealth(obj: KubeObject): HealthResult | undefined {
  for (const raw of list(statusOf(obj).validationMessages)) {
    const m = record(raw);
    const level = str(m.level);
    if (level === "ERROR" || level === "Error") {
      const code = str(record(m.type).code) ?? "";
      const text = str(m.documentationUrl) ?? "";
      return { status: "Degraded", message: [code, text].filter(Boolean).join(": ") || "validation error" };
    }
  }
  return undefined;
}
