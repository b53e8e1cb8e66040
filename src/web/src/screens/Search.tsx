/**
 * Search (/search), for investigators and supervisors: open a report by its
 * reference, search open and closed reports by subject name (with spelling
 * variants), phone, vehicle or postcode, narrowed by filters, page through
 * the hits with "More results", and the reports you hold. Reports you may
 * not read are not hits: one notice per desk says only that a report there
 * matches one of your terms (deconfliction), whatever the filters.
 */
import { useInfiniteQuery } from '@tanstack/react-query';
import { useEffect, useRef, useState } from 'react';
import { ApiError, request } from '../api/client';
import type { ReportSearchInput } from '../gql/graphql';
import { Empty, ErrorMessage, Loading } from '../ui/ui';
import { MyReports } from './search/MyReports';
import { ReferenceBox } from './search/ReferenceBox';
import { SearchForm } from './search/SearchForm';
import { DeconflictionNotices, SearchResults, type Hit } from './search/SearchResults';
import { SEARCH_REPORTS } from './search/operations';

const PAGE = 20;

export function Search() {
  const [filter, setFilter] = useState<ReportSearchInput | null>(null);
  // Each search gets its own key, so searching the same terms again asks the server again (and is audited again).
  const [run, setRun] = useState(0);

  const results = useInfiniteQuery({
    queryKey: ['searchReports', run, filter],
    enabled: filter !== null,
    initialPageParam: null as string | null,
    queryFn: ({ pageParam }) => request(SEARCH_REPORTS, { filter: filter!, first: PAGE, after: pageParam }),
    getNextPageParam: (last) => (last.searchReports.pageInfo.hasNextPage ? last.searchReports.pageInfo.endCursor : undefined),
    gcTime: 0,
    retry: false,
  });

  // A new search's answer takes the focus (and the view, on a narrow window where the form fills the screen).
  const resultsTitle = useRef<HTMLHeadingElement>(null);
  const firstPageIn = results.isFetched && !(results.isFetching && !results.isFetchingNextPage);
  useEffect(() => {
    if (run > 0 && firstPageIn) resultsTitle.current?.focus();
  }, [run, firstPageIn]);

  const hits: Hit[] = results.data?.pages.flatMap((p) => p.searchReports.edges.map((e) => e.node)) ?? [];
  // The same on every page of a search: the first page's.
  const firstPage = results.data?.pages[0]?.searchReports;
  const inputError = results.error instanceof ApiError && results.error.code === 'BAD_USER_INPUT' ? results.error : null;

  return (
    <>
      <section aria-labelledby="search-title">
        <h1 id="search-title">Find a report</h1>
        <ReferenceBox />
      </section>
      <section>
        <SearchForm
          busy={results.isFetching && !results.isFetchingNextPage}
          serverError={inputError}
          onSearch={(f) => {
            setFilter(f);
            setRun((n) => n + 1);
          }}
        />
      </section>
      {filter !== null && (
        <section className="search-results-panel" aria-labelledby="results-title">
          <h2 id="results-title" ref={resultsTitle} tabIndex={-1}>
            Results
          </h2>
          <p className="sr-only" role="status" aria-live="polite">
            {results.isSuccess ? `${hits.length} ${hits.length === 1 ? 'report' : 'reports'} found${results.hasNextPage ? ' so far' : ''}.` : ''}
          </p>
          {results.isPending ? (
            <Loading what="Searching" />
          ) : results.isError && hits.length === 0 ? (
            <ErrorMessage error={results.error} onRetry={inputError ? undefined : () => void results.refetch()} />
          ) : (
            <>
              {firstPage && <DeconflictionNotices notices={firstPage.deconfliction} complete={firstPage.deconflictionComplete} />}
              {hits.length === 0 ? (
                <Empty>{results.hasNextPage ? 'No reports match among those checked so far. Choose "More results" to keep looking.' : 'No reports match.'}</Empty>
              ) : (
                <SearchResults hits={hits} />
              )}
              {results.isFetchNextPageError && <ErrorMessage error={results.error} onRetry={() => void results.fetchNextPage()} />}
              {results.hasNextPage && (
                <div className="actions">
                  <button type="button" onClick={() => void results.fetchNextPage()} disabled={results.isFetchingNextPage}>
                    {results.isFetchingNextPage ? 'Loading more…' : 'More results'}
                  </button>
                </div>
              )}
            </>
          )}
        </section>
      )}
      <MyReports />
    </>
  );
}
