/**
 * /statistics/london: the London picture. Reports received per borough tile
 * over the period and the one before, coloured by volume or by change (a
 * choice of two radios), the unusual-rise markers in words, the tile's
 * figures on selecting it, and the same figures as a table. Supervisors see
 * exact counts; OVERSIGHT the published, suppressed borough table by whole
 * weeks (the server decides: src/reports/desk/statistics-map.ts).
 */
import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { request } from '../../../api/client';
import { graphql } from '../../../gql';
import { QueryState } from '../../../ui/ui';
import { PeriodPicker } from '../PeriodPicker';
import { StatisticsNav } from '../StatisticsNav';
import { showDay, useStatisticsPeriod } from '../period';
import { LondonTable, RiseList } from './LondonTable';
import { TileMap } from './TileMap';
import { tileLabel, type ColourBy, type Picture, type Tile } from './tiles';

export const LONDON_PICTURE = graphql(`
  query LondonPicture($period: LondonPeriod!) {
    londonPicture(period: $period) {
      period { from to }
      previous { from to }
      baseline { from to }
      published
      total { count display previous previousDisplay }
      tiles { borough row column inGrid count display suppression previous previousDisplay change rises { category count baselineMean p } }
    }
  }
`);

/** The period line, and for OVERSIGHT what the published figures are. */
export function PictureNotes({ picture }: { picture: Picture }) {
  return (
    <>
      <p>
        Reports received from {showDay(picture.period.from)} to {showDay(picture.period.to)}: <strong>{picture.total.display}</strong> (previous period, {showDay(picture.previous.from)} to{' '}
        {showDay(picture.previous.to)}: {picture.total.previousDisplay}).
      </p>
      {picture.published && (
        <p className="small">
          Published figures: whole weeks only, from the published borough table. A count from 1 to 4 is shown as "fewer than 5"; another figure may be "suppressed" so that no total
          or difference gives a small count away; a figure over several weeks is shown only when every week's is. Rise markers are shown only where every figure they rest on is
          published.
        </p>
      )}
    </>
  );
}

export function RiseNotes({ picture }: { picture: Picture }) {
  return (
    <details className="rise-about">
      <summary>How an unusual rise is found, and what it cannot tell</summary>
      <p>
        Each borough{picture.published ? '' : ', and each borough and category,'} is tested against the 8 periods of the same length before this one ({showDay(picture.baseline.from)} to{' '}
        {showDay(picture.baseline.to)}): a one-sided Poisson test of this period's count against their average (at least 3/8 a period). A rise is marked when the chance of a count
        this high is below 1 in 100 and there are at least 5 reports.
      </p>
      <p>
        It says the count is unusual, not why: one incident reported by many callers, publicity or a new partner organisation also give a rise. With many boroughs and categories
        tested, about 1 in 100 of those tested is marked by chance. The first periods after counting began have no real baseline.
      </p>
    </details>
  );
}

function TileDetail({ tile }: { tile: Tile | undefined }) {
  return (
    <div className="tile-detail" role="status" aria-live="polite">
      {tile ? <p>{tileLabel(tile)}.</p> : <p className="small">Select a tile to read its figures here.</p>}
    </div>
  );
}

export function London() {
  const { from, to } = useStatisticsPeriod();
  const [colourBy, setColourBy] = useState<ColourBy>('volume');
  const [selected, setSelected] = useState<string | null>(null);
  const query = useQuery({ queryKey: ['londonPicture', from, to], queryFn: () => request(LONDON_PICTURE, { period: { from, to } }) });
  return (
    <>
      <h1>London picture</h1>
      <StatisticsNav />
      <section>
        <PeriodPicker />
      </section>
      <QueryState query={query} loading="Loading the London picture">
        {(data) => {
          const picture = data.londonPicture;
          return (
            <>
              <section aria-labelledby="london-map-heading">
                <h2 id="london-map-heading">Reports received by borough</h2>
                <PictureNotes picture={picture} />
                <fieldset className="inline-radios">
                  <legend>Colour the tiles by</legend>
                  {(
                    [
                      ['volume', 'Reports received'],
                      ['change', 'Change against the previous period'],
                    ] as const
                  ).map(([value, label]) => (
                    <div className="radio" key={value}>
                      <input type="radio" id={`colour-${value}`} name="colour-by" value={value} checked={colourBy === value} onChange={() => setColourBy(value)} />
                      <label htmlFor={`colour-${value}`}>{label}</label>
                    </div>
                  ))}
                </fieldset>
                <TileMap picture={picture} colourBy={colourBy} selected={selected} onSelect={(t) => setSelected(t.borough)} />
                <TileDetail tile={picture.tiles.find((t) => t.borough === selected)} />
              </section>
              <section aria-labelledby="london-rises-heading">
                <h2 id="london-rises-heading">Unusual rises</h2>
                <RiseList picture={picture} />
                <RiseNotes picture={picture} />
              </section>
              <section aria-labelledby="london-table-heading">
                <h2 id="london-table-heading">The figures</h2>
                <LondonTable picture={picture} />
              </section>
            </>
          );
        }}
      </QueryState>
    </>
  );
}
