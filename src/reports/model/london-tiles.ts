/**
 * THE London tile grid: one square per borough (the 32 London boroughs and the
 * City of London) placed as the boroughs sit, after the common "London
 * squared" tile layout (8 columns, 7 rows, north at the top), plus the two
 * borough values that are not places in London, "Outside London" and
 * "Unknown", as two tiles beside the grid. The London picture's query
 * (reports/desk/statistics-map.ts) answers each tile's row and column from
 * here, so the console draws the map without a second copy of the layout.
 * Pure, no imports but the vocabulary.
 * Guarded by: tests/unit/reports/london-tiles.test.ts
 */
import type { Borough } from './vocabulary.js';

export interface LondonTile {
  borough: Borough;
  /** Row from the top, 0-based. */
  row: number;
  /** Column from the left, 0-based. */
  column: number;
  /** True for the 33 places of the grid; false for the two tiles beside it. */
  inGrid: boolean;
}

/** Columns of the grid; the tiles beside it are in column GRID_COLUMNS + 1, after a gap. */
export const GRID_COLUMNS = 8;
export const GRID_ROWS = 7;

const grid = (row: number, column: number, borough: Borough): LondonTile => ({ borough, row, column, inGrid: true });

export const LONDON_TILES: readonly LondonTile[] = [
  grid(0, 4, 'ENFIELD'),
  grid(1, 2, 'HARROW'), grid(1, 3, 'BARNET'), grid(1, 4, 'HARINGEY'), grid(1, 5, 'WALTHAM_FOREST'),
  grid(2, 0, 'HILLINGDON'), grid(2, 1, 'EALING'), grid(2, 2, 'BRENT'), grid(2, 3, 'CAMDEN'), grid(2, 4, 'ISLINGTON'), grid(2, 5, 'HACKNEY'), grid(2, 6, 'REDBRIDGE'), grid(2, 7, 'HAVERING'),
  grid(3, 0, 'HOUNSLOW'), grid(3, 1, 'HAMMERSMITH_AND_FULHAM'), grid(3, 2, 'KENSINGTON_AND_CHELSEA'), grid(3, 3, 'WESTMINSTER'), grid(3, 4, 'CITY_OF_LONDON'), grid(3, 5, 'TOWER_HAMLETS'), grid(3, 6, 'NEWHAM'), grid(3, 7, 'BARKING_AND_DAGENHAM'),
  grid(4, 1, 'RICHMOND_UPON_THAMES'), grid(4, 2, 'WANDSWORTH'), grid(4, 3, 'LAMBETH'), grid(4, 4, 'SOUTHWARK'), grid(4, 5, 'LEWISHAM'), grid(4, 6, 'GREENWICH'), grid(4, 7, 'BEXLEY'),
  grid(5, 2, 'KINGSTON_UPON_THAMES'), grid(5, 3, 'MERTON'), grid(5, 4, 'CROYDON'), grid(5, 5, 'BROMLEY'),
  grid(6, 3, 'SUTTON'),
  // Beside the grid, to its right, at the top: not places on the map.
  { borough: 'OUTSIDE_LONDON', row: 0, column: GRID_COLUMNS + 1, inGrid: false },
  { borough: 'UNKNOWN', row: 1, column: GRID_COLUMNS + 1, inGrid: false },
];

/** The tile of a borough value (every value has one: the test checks it). */
export function tileOf(borough: Borough): LondonTile {
  const tile = LONDON_TILES.find((t) => t.borough === borough);
  if (!tile) throw new Error(`no London tile for ${borough}`);
  return tile;
}

/** Every borough value, in the grid's reading order (row by row, then the two beside it). */
export const TILE_ORDER: readonly Borough[] = [...LONDON_TILES]
  .sort((a, b) => Number(b.inGrid) - Number(a.inGrid) || a.row - b.row || a.column - b.column)
  .map((t) => t.borough);


