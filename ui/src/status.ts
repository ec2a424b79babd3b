/**
 * Every status colour and icon of the UI, in one place. The palette is Okabe–Ito's (safe for the common
 * colour-vision deficiencies) and every status has its own icon too, so none is told by colour alone.
 */

export interface StatusLook {
  label: string;
  /** A CSS colour. */
  colour: string;
  /** A one-character glyph shown before the label. */
  icon: string;
}

const GREEN = "#009e73";
const ORANGE = "#e69f00";
const BLUE = "#0072b2";
const VERMILION = "#d55e00";
const PURPLE = "#cc79a7";
const GREY = "#8a8a8a";

const SYNC: Record<string, Omit<StatusLook, "label">> = {
  Synced: { colour: GREEN, icon: "✔" },
  OutOfSync: { colour: ORANGE, icon: "⟳" },
  Unknown: { colour: GREY, icon: "?" },
};

const HEALTH: Record<string, Omit<StatusLook, "label">> = {
  Healthy: { colour: GREEN, icon: "♥" },
  Progressing: { colour: BLUE, icon: "◔" },
  Degraded: { colour: VERMILION, icon: "✖" },
  Suspended: { colour: PURPLE, icon: "⏸" },
  Missing: { colour: ORANGE, icon: "◌" },
  Unknown: { colour: GREY, icon: "?" },
};

function look(table: Record<string, Omit<StatusLook, "label">>, status: string | undefined): StatusLook {
  const label = status || "Unknown";
  return { label, ...(table[label] ?? { colour: GREY, icon: "?" }) };
}

/** How a sync status (Synced, OutOfSync, Unknown) looks. */
export function syncLook(status: string | undefined): StatusLook {
  return look(SYNC, status);
}

/** How a health status (Healthy, Progressing, Degraded, Suspended, Missing, Unknown) looks. */
export function healthLook(status: string | undefined): StatusLook {
  return look(HEALTH, status);
}

const PHASE: Record<string, Omit<StatusLook, "label">> = {
  Running: { colour: BLUE, icon: "◐" },
  Terminating: { colour: PURPLE, icon: "◑" },
  Succeeded: { colour: GREEN, icon: "✔" },
  Failed: { colour: VERMILION, icon: "✖" },
  Error: { colour: VERMILION, icon: "⚠" },
};

/** How an operation's phase (Running, Terminating, Succeeded, Failed, Error) looks. */
export function phaseLook(phase: string | undefined): StatusLook {
  return look(PHASE, phase);
}

/** How an app's conditions (something wrong or worth knowing: status.conditions) are marked. */
export function conditionsLook(): StatusLook {
  return { label: "Conditions", colour: ORANGE, icon: "⚠" };
}

export type Severity = "error" | "warning" | "info";

const SEVERITY: Record<Severity, StatusLook> = {
  error: { label: "Error", colour: VERMILION, icon: "✖" },
  warning: { label: "Warning", colour: ORANGE, icon: "⚠" },
  info: { label: "Info", colour: BLUE, icon: "ℹ" },
};

/** How a message's severity (a condition, a failed resource, an event) is marked. */
export function severityLook(severity: Severity): StatusLook {
  return SEVERITY[severity];
}

/** How a Kubernetes event's type looks: Warning as a warning, Normal (or none) as information. */
export function eventTypeLook(type: string | undefined): StatusLook {
  const label = type || "Normal";
  return { ...severityLook(label === "Warning" ? "warning" : "info"), label };
}
