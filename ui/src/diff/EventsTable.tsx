/**
 * A resource's events as a table: type (a Warning told by icon and word), reason, message, count, last
 * seen — newest first.
 */
import type { EventList } from "../api/types";
import { Time } from "../components/Time";
import { eventTypeLook } from "../status";
import { ColumnHeads } from "../components/ColumnHeads";

type Event = EventList["items"][number];

const text = (v: unknown): string | undefined => (typeof v === "string" && v !== "" ? v : undefined);
const lastSeen = (e: Event): string => e.lastTimestamp ?? e.eventTime ?? e.firstTimestamp ?? text(e.metadata.creationTimestamp) ?? "";

/** The events, or "No events for this resource". */
export function EventsTable({ events }: { events: Event[] }) {
  if (events.length === 0) return <p className="muted">No events for this resource. Kubernetes keeps events for about an hour.</p>;
  const sorted = [...events].sort((a, b) => lastSeen(b).localeCompare(lastSeen(a)));
  return (
    <table className="events" data-testid="events-table">
      <ColumnHeads columns={["Type", "Reason", "Message", "Count", "Last seen"]} />
      <tbody>
        {sorted.map((e) => {
          const seen = lastSeen(e);
          const look = eventTypeLook(e.type);
          return (
            <tr key={text(e.metadata.uid) ?? `${e.metadata.name}/${seen}`}>
              <td className={e.type === "Warning" ? "event-warning" : undefined} style={e.type === "Warning" ? { color: look.colour } : undefined}>
                <span aria-hidden="true">{look.icon}</span> {look.label}
              </td>
              <td>{e.reason}</td>
              <td>{e.message}</td>
              <td>{e.count ?? 1}</td>
              <td>{seen ? <Time iso={seen} /> : "—"}</td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}
