/**
 * The report's hash-chained history as a table, in words: the server writes
 * each step as a sentence with usernames and references
 * (src/reports/desk/history-words.ts), never ids or field names; and the
 * server's verification of the chain.
 */
import { useQuery } from '@tanstack/react-query';
import { request } from '../../api/client';
import { DataTable, type Column } from '../../ui/DataTable';
import { ErrorMessage, Loading, formatTime } from '../../ui/ui';
import { VERIFY_HISTORY } from './operations';
import type { ReportData } from './types';

type HistoryEntry = ReportData['history'][number];

export function HistoryPanel({ report }: { report: ReportData }) {
  const verify = useQuery({
    queryKey: ['verifyReportHistory', report.id, report.version],
    queryFn: () => request(VERIFY_HISTORY, { id: report.id }),
    gcTime: 0,
  });
  const v = verify.data?.verifyReportHistory;
  const columns: Column<HistoryEntry>[] = [
    { header: '#', cell: (h) => h.seq },
    { header: 'When', cell: (h) => formatTime(h.at) },
    { header: 'By', cell: (h) => h.actorLabel },
    { header: 'What happened', cell: (h) => h.description },
    { header: 'Reason', cell: (h) => h.reason ?? '' },
  ];
  return (
    <section className="panel" aria-labelledby="history-title">
      <h2 id="history-title">History</h2>
      <div aria-live="polite">
        {verify.isPending ? (
          <Loading what="Verifying the history" />
        ) : verify.isError ? (
          <ErrorMessage error={verify.error} onRetry={() => void verify.refetch()} />
        ) : v?.valid ? (
          <div className="alert ok verification">
            <p>
              History verified: {v.length} entries, chain intact.
            </p>
          </div>
        ) : (
          <div className="alert error verification" role="alert">
            <p>
              History verification FAILED: the chain of {v?.length ?? 0} entries breaks at entry {v?.brokenAt ?? '?'}. The history may have been altered: tell the duty
              supervisor now.
            </p>
          </div>
        )}
        {!verify.isPending && (
          <button type="button" onClick={() => void verify.refetch()} disabled={verify.isFetching}>
            {verify.isFetching ? 'Verifying…' : 'Verify again'}
          </button>
        )}
      </div>
      <DataTable caption="Every change to this report, oldest first" captionHidden rows={report.history} rowKey={(h) => h.seq} columns={columns} />
    </section>
  );
}
