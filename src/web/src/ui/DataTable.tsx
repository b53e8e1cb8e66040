/**
 * The console's one table: a caption (visible, or for screen readers only),
 * a header cell per column and a row per item, inside a box that scrolls
 * sideways on a narrow window (.table-wrap) so the page itself does not.
 */
import type { ReactNode } from 'react';

/** One column: its header, what a row shows in it, and the cell's class (fixed, or per row). */
export interface Column<T> {
  header: ReactNode;
  cell: (row: T) => ReactNode;
  className?: string | ((row: T) => string | undefined);
  /** The cell names its row (a row header, <th scope="row">), e.g. a report's reference. */
  rowHeader?: boolean;
}

export function DataTable<T>({
  caption,
  captionHidden = false,
  columns,
  rows,
  rowKey,
  className,
  rowClassName,
}: {
  caption: string;
  /** The caption is read by screen readers but not shown (a heading already says what the table is). */
  captionHidden?: boolean;
  columns: readonly Column<T>[];
  rows: readonly T[];
  rowKey: (row: T) => string | number;
  className?: string;
  /** A row's class (e.g. a highlighted one). */
  rowClassName?: (row: T) => string | undefined;
}) {
  return (
    <div className="table-wrap">
      <table className={className}>
        <caption className={captionHidden ? 'sr-only' : undefined}>{caption}</caption>
        <thead>
          <tr>
            {columns.map((c, i) => (
              <th key={i} scope="col">
                {c.header}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {rows.map((row) => (
            <tr key={rowKey(row)} className={rowClassName?.(row)}>
              {columns.map((c, i) => {
                const cls = typeof c.className === 'function' ? c.className(row) : c.className;
                return c.rowHeader ? (
                  <th key={i} scope="row" className={cls}>
                    {c.cell(row)}
                  </th>
                ) : (
                  <td key={i} className={cls}>
                    {c.cell(row)}
                  </td>
                );
              })}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
