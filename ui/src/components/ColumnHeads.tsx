/** A table's head row from its column names (a name may be a node, e.g. a visually hidden label). */
import type { ReactNode } from "react";

export function ColumnHeads({ columns }: { columns: readonly ReactNode[] }) {
  return (
    <thead>
      <tr>
        {columns.map((c, i) => (
          <th key={i} scope="col">
            {c}
          </th>
        ))}
      </tr>
    </thead>
  );
}
