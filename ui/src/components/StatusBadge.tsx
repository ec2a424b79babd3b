import type { StatusLook } from "../status";

/** A status as icon + word in its colour (status.ts decides both). */
export function StatusBadge({ look }: { look: StatusLook }) {
  return (
    <span className="badge" style={{ color: look.colour }}>
      <span aria-hidden="true">{look.icon}</span> {look.label}
    </span>
  );
}
