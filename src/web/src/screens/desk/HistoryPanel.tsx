/** The report's hash-chained history as a table, with the server's verification of the chain. */
import { useQuery } from '@tanstack/react-query';
import { request } from '../../api/client';
import { DataTable, type Column } from '../../ui/DataTable';
import { ErrorMessage, Loading, formatTime, humanise } from '../../ui/ui';
import { VERIFY_HISTORY } from './operations';
import type { ReportData } from './types';

type HistoryEntry = ReportData['history'][number];

/** `{"status":"ASSIGNED"}` → `status: ASSIGNED`. */
function change(json: string | null | undefined): string {
  if (!json) return '';
  try {
    return Object.entries(JSON.parse(json) as Record<string, unknown>)
      .map(([k, v]) => `${k}: ${typeof v === 'object' ? JSON.stringify(v) : String(v)}`)
      .join(', ');
  } catch {
    return json;
  }
}

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
    { header: 'Action', cell: (h) => humanise(h.action) },
    { header: 'By', cell: (h) => h.actorName ?? `${h.actorType} ${h.actorId}` },
    { header: 'Change', className: 'small', cell: (h) => [change(h.from), change(h.to)].filter(Boolean).join(' → ') },
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
