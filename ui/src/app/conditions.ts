/**
 * An app's conditions in plain words: what happened, and what to do about it. The controller's message
 * stays (it names the field, the file, the object); the sentence before it says what kind of trouble it is.
 */
import type { ApplicationCondition } from "../api/types";

export interface PlainCondition {
  /** "error" stops syncs or comparisons; "warning" does not. */
  severity: "error" | "warning";
  /** The kind of trouble, for a person. */
  title: string;
  /** What to do about it. */
  hint: string;
  message: string;
  type: string;
}

const KNOWN: Record<string, Omit<PlainCondition, "message" | "type">> = {
  ComparisonError: { severity: "error", title: "plumb could not compare the app with the cluster", hint: "Check the repository, the revision and the manifests; plumb retries by itself and after each push." },
  InvalidSpecError: { severity: "error", title: "The application's spec is not valid", hint: "Edit the application: the message names the field." },
  SyncError: { severity: "error", title: "The last sync failed", hint: "Open the operation's results below for the failing resource, fix it in Git, and sync again." },
  UnsupportedField: { severity: "warning", title: "A field plumb does not support yet is set", hint: "It is ignored; remove it, or see plumb's documentation for the alternative." },
};

/** One condition in plain words (unknown types: errors if the type says Error, else warnings). */
export function plainCondition(c: ApplicationCondition): PlainCondition {
  const known = KNOWN[c.type];
  if (known) return { ...known, message: c.message, type: c.type };
  const severity = /Error$/.test(c.type) ? "error" : "warning";
  const words = c.type.replace(/([a-z])([A-Z])/g, "$1 $2").toLowerCase();
  return { severity, title: words.charAt(0).toUpperCase() + words.slice(1), hint: severity === "error" ? "See the message; plumb retries by itself." : "See the message.", message: c.message, type: c.type };
}

/** The conditions in plain words, errors first. */
export function plainConditions(cs: readonly ApplicationCondition[] | undefined): PlainCondition[] {
  return (cs ?? []).map(plainCondition).sort((a, b) => (a.severity === b.severity ? 0 : a.severity === "error" ? -1 : 1));
}
