/**
 * How the London picture is drawn: each tile's short name, its colour band by
 * volume or by change against the previous period, and the legend of each.
 * The tiles' places come from the server (src/reports/model/london-tiles.ts),
 * never from a copy here.
 */
import type { Borough, LondonPictureQuery } from '../../../gql/graphql';
import { CATEGORY_LABELS } from '../../intake/model';
import { boroughName } from '../../../ui/ui';

export type Picture = LondonPictureQuery['londonPicture'];
export type Tile = Picture['tiles'][number];
export type ColourBy = 'volume' | 'change';

/** Three letters a tile can hold at 390 px (the full name is the tile's accessible name and the table's row header). */
export const SHORT_NAMES: Record<Borough, string> = {
  BARKING_AND_DAGENHAM: 'BKD', BARNET: 'BRN', BEXLEY: 'BXL', BRENT: 'BRT', BROMLEY: 'BRM', CAMDEN: 'CMD', CROYDON: 'CRY', EALING: 'EAL',
  ENFIELD: 'ENF', GREENWICH: 'GRN', HACKNEY: 'HCK', HAMMERSMITH_AND_FULHAM: 'HMS', HARINGEY: 'HGY', HARROW: 'HRW', HAVERING: 'HVG',
  HILLINGDON: 'HDN', HOUNSLOW: 'HNS', ISLINGTON: 'ISL', KENSINGTON_AND_CHELSEA: 'KNS', KINGSTON_UPON_THAMES: 'KTN', LAMBETH: 'LBH',
  LEWISHAM: 'LSH', MERTON: 'MRT', NEWHAM: 'NWM', REDBRIDGE: 'RDB', RICHMOND_UPON_THAMES: 'RCH', SOUTHWARK: 'SWK', SUTTON: 'STN',
  TOWER_HAMLETS: 'TWH', WALTHAM_FOREST: 'WTH', WANDSWORTH: 'WND', WESTMINSTER: 'WSM', CITY_OF_LONDON: 'CTY', OUTSIDE_LONDON: 'OUT', UNKNOWN: 'UNK',
};

export const tileName = (b: Borough) => (b === 'OUTSIDE_LONDON' ? 'Outside London' : b === 'UNKNOWN' ? 'Unknown borough' : boroughName(b));

const categoryName = (c: string | null) => (c === null ? 'all categories' : (CATEGORY_LABELS as Record<string, string>)[c] ?? c);

/** A rise in words: "Storage: 7 reports against a usual 2.0". */
export const riseText = (r: Tile['rises'][number]) => `${categoryName(r.category)}: ${r.count} reports against a usual ${r.baselineMean.toFixed(1)}`;

/** The signed change in words: "+3", "−2", "0", or "—" where it is not published. */
export const changeText = (t: Pick<Tile, 'change'>) => (t.change === null || t.change === undefined ? '—' : t.change > 0 ? `+${t.change}` : t.change < 0 ? `−${-t.change}` : '0');

export interface Band {
  className: string;
  label: string;
}

/** The volume bands: 0, then four equal steps up to the largest published count. */
export function volumeBands(picture: Picture): { bandOf: (t: Tile) => Band; legend: Band[] } {
  const max = Math.max(0, ...picture.tiles.map((t) => t.count ?? 0));
  const step = Math.max(1, Math.ceil(max / 4));
  const legend: Band[] = [{ className: 'vol-0', label: 'None' }];
  for (let i = 1; i <= 4; i++) {
    const lo = (i - 1) * step + 1;
    const hi = i * step;
    legend.push({ className: `vol-${i}`, label: lo === hi ? `${lo}` : `${lo} to ${hi}` });
  }
  legend.push(UNPUBLISHED);
  const bandOf = (t: Tile) => (t.count === null || t.count === undefined ? UNPUBLISHED : t.count === 0 ? legend[0]! : legend[Math.min(4, Math.ceil(t.count / step))]!);
  return { bandOf, legend };
}

const UNPUBLISHED: Band = { className: 'unpublished', label: 'Not published (fewer than 5, or suppressed)' };

const CHANGE_LEGEND: Band[] = [
  { className: 'chg-down2', label: 'Fell by half or more' },
  { className: 'chg-down1', label: 'Fell' },
  { className: 'chg-same', label: 'No change' },
  { className: 'chg-up1', label: 'Rose' },
  { className: 'chg-up2', label: 'Rose by half or more' },
  UNPUBLISHED,
];

/** The change bands: against the previous period, relative to it (a rise from none counts as "by half or more"). */
export function changeBands(): { bandOf: (t: Tile) => Band; legend: Band[] } {
  const bandOf = (t: Tile): Band => {
    if (t.change === null || t.change === undefined || t.previous === null || t.previous === undefined) return UNPUBLISHED;
    if (t.change === 0) return CHANGE_LEGEND[2]!;
    const ratio = t.change / Math.max(1, t.previous);
    if (t.change < 0) return ratio <= -0.5 ? CHANGE_LEGEND[0]! : CHANGE_LEGEND[1]!;
    return ratio >= 0.5 ? CHANGE_LEGEND[4]! : CHANGE_LEGEND[3]!;
  };
  return { bandOf, legend: CHANGE_LEGEND };
}

export const bandsFor = (picture: Picture, by: ColourBy) => (by === 'volume' ? volumeBands(picture) : changeBands());

/** A tile's accessible name: its name, figures and any rise, in words. */
export function tileLabel(t: Tile): string {
  const rise = t.rises.length ? `, unusual rise (${t.rises.map(riseText).join('; ')})` : '';
  return `${tileName(t.borough)}: ${t.display} reports, ${t.previousDisplay} in the previous period, change ${changeText(t)}${rise}`;
}
