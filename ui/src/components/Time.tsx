/** A moment on the page: a <time> element with the exact local time (or how long ago), the instant in its title. */
import { ago, exact } from "./time";

/** `iso` as the reader's local time — or, with `relative`, how long ago — its exact instant in the title. */
export function Time({ iso, relative = false, now }: { iso: string | undefined; relative?: boolean; now?: number }) {
  if (!iso) return null;
  const shown = relative ? ago(iso, now) : exact(iso);
  return (
    <time dateTime={iso} title={relative ? exact(iso) : iso}>
      {shown || iso}
    </time>
  );
}
