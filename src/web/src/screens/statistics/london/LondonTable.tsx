/** The London picture's figures as a table: the same figures as the map, for screen readers, printing and checking. */
import { DataTable, type Column } from '../../../ui/DataTable';
import { changeText, riseText, tileName, type Picture, type Tile } from './tiles';
import { showDay } from '../period';

export function LondonTable({ picture }: { picture: Picture }) {
  const columns: Column<Tile>[] = [
    { header: 'Borough', rowHeader: true, cell: (t) => tileName(t.borough) },
    { header: 'Reports received', cell: (t) => t.display },
    { header: 'Previous period', cell: (t) => t.previousDisplay },
    { header: 'Change', cell: (t) => changeText(t) },
    { header: 'Unusual rise', cell: (t) => (t.rises.length ? t.rises.map(riseText).join('; ') : 'No') },
  ];
  const rows = [...picture.tiles].sort((a, b) => Number(b.inGrid) - Number(a.inGrid) || tileName(a.borough).localeCompare(tileName(b.borough)));
  return (
    <DataTable
      caption={`Reports received by borough, ${showDay(picture.period.from)} to ${showDay(picture.period.to)}, against ${showDay(picture.previous.from)} to ${showDay(picture.previous.to)}`}
      columns={columns}
      rows={rows}
      rowKey={(t) => t.borough}
      className="london-table"
    />
  );
}

/** The rises in a list of words (the map's ▲ markers, not by colour alone). */
export function RiseList({ picture }: { picture: Picture }) {
  const rising = picture.tiles.filter((t) => t.rises.length > 0);
  if (!rising.length) return <p>No unusual rise in this period.</p>;
  return (
    <ul className="rise-list">
      {rising.map((t) => (
        <li key={t.borough}>
          <strong>
            <span aria-hidden="true">▲ </span>
            {tileName(t.borough)}
          </strong>
          : {t.rises.map(riseText).join('; ')}
        </li>
      ))}
    </ul>
  );
}
