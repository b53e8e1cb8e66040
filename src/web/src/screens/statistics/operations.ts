/** The statistics screen's one query (src/reports/graphql/statistics-schema.ts): a measure over a period, grouped, with the threat level over it. */
import { graphql } from '../../gql';

export const STATISTICS = graphql(`
  query StatisticsFigures($period: StatisticsPeriod!, $measure: StatisticsMeasure, $groupBy: [StatisticsDimension!], $interval: StatisticsInterval) {
    statistics(period: $period, measure: $measure, groupBy: $groupBy, interval: $interval) {
      measure
      from
      to
      interval
      table
      rows {
        start
        end
        group {
          dimension
          value
          label
        }
        count
        display
        suppression
        median {
          fromMinutes
          toMinutes
        }
        p90 {
          fromMinutes
          toMinutes
        }
      }
      threatLevels {
        level
        since
      }
    }
  }
`);
