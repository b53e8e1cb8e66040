/**
 * "Download CSV" for the filtered view. The server builds the file from the
 * same filters and the same descriptions as the table, and records the export
 * in the audit log before handing it over (src/audit/auditor.ts says why it
 * is built there). The file is handed to the browser's download and not kept:
 * it holds no report content, but nothing from the log is stored in the browser.
 */
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { request } from '../../api/client';
import { graphql } from '../../gql';
import { useSession } from '../../session/session';
import { ErrorMessage } from '../../ui/ui';
import type { AuditFilterValues } from './AuditFilters';
import { isFieldError } from './forms';

const EXPORT_AUDIT_LOG = graphql(`
  mutation ExportAuditLog($action: String, $username: String, $reference: String, $from: DateTime, $to: DateTime) {
    exportAuditLog(action: $action, username: $username, reference: $reference, from: $from, to: $to) { filename csv rows truncated }
  }
`);

/** Hands text to the browser as a downloaded file, then lets the object URL go. The byte-order mark makes Excel read it as UTF-8 (names with accents). */
export function download(filename: string, text: string) {
  const url = URL.createObjectURL(new Blob(['\uFEFF', text], { type: 'text/csv;charset=utf-8' }));
  const a = document.createElement('a');
  a.href = url;
  a.download = filename;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 0);
}

export function AuditExport({ filters }: { filters: AuditFilterValues }) {
  const client = useQueryClient();
  const exporter = useMutation({
    mutationFn: () => request(EXPORT_AUDIT_LOG, { action: filters.action, username: filters.username, reference: filters.reference, from: filters.from, to: filters.to }),
    onSuccess: (data) => {
      download(data.exportAuditLog.filename, data.exportAuditLog.csv);
      // The export is itself an entry: show it.
      void client.invalidateQueries({ queryKey: ['auditLog'] });
    },
  });
  const { can } = useSession();
  if (!can('exportAuditLog')) return null;
  const done = exporter.data?.exportAuditLog;
  return (
    <div className="audit-export">
      <button type="button" onClick={() => exporter.mutate()} disabled={exporter.isPending}>
        {exporter.isPending ? 'Preparing the CSV…' : 'Download these entries as CSV'}
      </button>
      <div aria-live="polite">
        {done && !exporter.isPending && (
          <p className="small" role="status">
            Downloaded {done.rows} {done.rows === 1 ? 'entry' : 'entries'} as {done.filename}
            {done.truncated ? ' (the first 10,000 only: narrow the filters for the rest)' : ''}. The export is recorded in the audit log.
          </p>
        )}
      </div>
      {!isFieldError(exporter.error, ['username', 'reference', 'to']) && <ErrorMessage error={exporter.error} />}
    </div>
  );
}
