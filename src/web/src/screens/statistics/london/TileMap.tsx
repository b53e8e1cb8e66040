/**
 * The London tile map: a CSS grid of tiles placed by row and column classes
 * (no inline style: the console's CSP), each a button naming the borough, its
 * figures and any unusual rise (a ▲ marker and words, not colour alone), and
 * its legend. Without `onSelect` (the printed report) the tiles are plain
 * boxes. The same figures are in the data table beside it.
 */
import { SHORT_NAMES, bandsFor, changeText, tileLabel, type ColourBy, type Picture, type Tile } from './tiles';

export function TileMap({ picture, colourBy, selected, onSelect }: { picture: Picture; colourBy: ColourBy; selected?: string | null; onSelect?: (t: Tile) => void }) {
  const { bandOf, legend } = bandsFor(picture, colourBy);
  const figure = (t: Tile) => (colourBy === 'change' ? changeText(t) : t.count === null || t.count === undefined ? (t.suppression === 'FEWER_THAN_5' ? '<5' : 'sup') : String(t.count));
  return (
    <div className="tile-map-wrap">
      <ul className="tile-map" aria-label={`Map of London boroughs, coloured by ${colourBy === 'volume' ? 'reports received' : 'change against the previous period'}`}>
        {picture.tiles.map((t) => {
          const classes = ['tile', `r${t.row}`, `c${t.column}`, bandOf(t).className, t.inGrid ? '' : 'beside', selected === t.borough ? 'selected' : ''].filter(Boolean).join(' ');
          const body = (
            <>
              <span className="tile-code" aria-hidden="true">
                {SHORT_NAMES[t.borough]}
              </span>
              <span className="tile-figure" aria-hidden="true">
                {figure(t)}
                {t.rises.length > 0 && <span className="rise-mark">▲</span>}
              </span>
            </>
          );
          return (
            <li key={t.borough} className={classes}>
              {onSelect ? (
                <button type="button" aria-label={tileLabel(t)} aria-pressed={selected === t.borough} onClick={() => onSelect(t)}>
                  {body}
                </button>
              ) : (
                <span className="tile-box" role="img" aria-label={tileLabel(t)}>
                  {body}
                </span>
              )}
            </li>
          );
        })}
      </ul>
      <div className="tile-legend">
        <h3>Key</h3>
        <ul>
          {legend.map((b) => (
            <li key={b.className}>
              <span className={`swatch ${b.className}`} aria-hidden="true" /> {b.label}
            </li>
          ))}
          <li>
            <span className="rise-mark" aria-hidden="true">
              ▲
            </span>{' '}
            Unusual rise (see the list of rises)
          </li>
        </ul>
        <p className="small">
          Tiles show a three-letter name and {colourBy === 'volume' ? 'the number of reports received' : 'the change against the previous period'}; "&lt;5" is fewer than 5, "sup" is suppressed. "OUT" is outside London, "UNK" an unknown borough.
        </p>
      </div>
    </div>
  );
}
