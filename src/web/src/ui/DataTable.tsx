/**
 * The console's one table: a caption (visible, or for screen readers only),
 * a header cell per column and a row per item. On a narrow window each row
 * reflows into a stacked card whose cells are labelled by their column's
 * header (styles.css, `data-label`); a table too wide even so scrolls
 * sideways in its own box (.table-wrap), never the page.
 */
import { isValidElement, type ReactNode } from 'react';

/** A header's words, for the stacked layout's cell labels (a header that is not plain text labels nothing). */
function words(header: ReactNode): string | undefined {
  if (typeof header === 'string' || typeof header === 'number') return String(header);
  if (isValidElement<{ children?: ReactNode }>(header)) return words(header.props.children);
  return undefined;
}

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
      <table className={['stacks', className].filter(Boolean).join(' ')}>
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
                  <th key={i} scope="row" className={cls} data-label={words(c.header)}>
                    {c.cell(row)}
                  </th>
                ) : (
                  <td key={i} className={cls} data-label={words(c.header)}>
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
