/**
 * The London tile grid (src/reports/model/london-tiles.ts): every borough
 * value the system accepts (the vocabulary, and so intake's validation and the
 * GraphQL enum) has exactly one tile and every tile is such a value; the grid
 * holds the 32 boroughs and the City of London, no two tiles share a square,
 * and "Outside London" and "Unknown" sit beside the grid, not in it.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { GRID_COLUMNS, GRID_ROWS, LONDON_TILES, TILE_ORDER, tileOf } from '../../../src/reports/model/london-tiles.js';
import { BOROUGHS } from '../../../src/reports/model/vocabulary.js';
import { hotlineCallSchema } from '../../../src/intake/validation.js';

describe('the London tile grid', () => {
  it('has exactly one tile per accepted borough value, and no other tile', () => {
    const tiled = LONDON_TILES.map((t) => t.borough);
    expect(new Set(tiled).size).toBe(tiled.length);
    expect([...tiled].sort()).toEqual([...BOROUGHS].sort());
    for (const b of BOROUGHS) expect(tileOf(b).borough).toBe(b);
    expect([...TILE_ORDER].sort()).toEqual([...BOROUGHS].sort());
  });

  it('agrees with what intake accepts', () => {
    const accepted = hotlineCallSchema.shape.borough;
    for (const t of LONDON_TILES) expect(accepted.safeParse(t.borough).success, t.borough).toBe(true);
    expect(accepted.safeParse('NOT_A_BOROUGH').success).toBe(false);
    // The API's Borough enum, as printed in schema/schema.graphql.
    const sdl = readFileSync('schema/schema.graphql', 'utf8');
    const values = /enum Borough \{([^}]*)\}/.exec(sdl)![1]!.split(/\s+/).filter((w) => /^[A-Z_]+$/.test(w));
    expect(values.sort()).toEqual(LONDON_TILES.map((t) => t.borough).sort());
  });

  it('places the 33 London places on the grid, each on its own square, and the other two beside it', () => {
    const inGrid = LONDON_TILES.filter((t) => t.inGrid);
    expect(inGrid).toHaveLength(33);
    expect(inGrid.map((t) => t.borough)).toContain('CITY_OF_LONDON');
    for (const t of inGrid) {
      expect(t.row).toBeGreaterThanOrEqual(0);
      expect(t.row).toBeLessThan(GRID_ROWS);
      expect(t.column).toBeGreaterThanOrEqual(0);
      expect(t.column).toBeLessThan(GRID_COLUMNS);
    }
    const squares = LONDON_TILES.map((t) => `${t.row},${t.column}`);
    expect(new Set(squares).size).toBe(squares.length);
    const beside = LONDON_TILES.filter((t) => !t.inGrid).map((t) => t.borough).sort();
    expect(beside).toEqual(['OUTSIDE_LONDON', 'UNKNOWN']);
    for (const t of LONDON_TILES.filter((x) => !x.inGrid)) expect(t.column).toBeGreaterThanOrEqual(GRID_COLUMNS);
  });

  it('keeps the map roughly geographic: the City in the middle row, Enfield at the top, Sutton at the bottom', () => {
    expect(tileOf('ENFIELD').row).toBe(0);
    expect(tileOf('SUTTON').row).toBe(GRID_ROWS - 1);
    expect(tileOf('HILLINGDON').column).toBe(0);
    expect(tileOf('HAVERING').column).toBe(GRID_COLUMNS - 1);
    expect(tileOf('WESTMINSTER').column).toBe(tileOf('CITY_OF_LONDON').column - 1);
    expect(tileOf('WESTMINSTER').row).toBe(tileOf('CITY_OF_LONDON').row);
  });
});
