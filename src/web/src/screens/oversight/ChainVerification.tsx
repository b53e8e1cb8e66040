/**
 * Verification for the auditor: the whole audit log's hash chain, and one
 * report's history chain by its id. Each result is said plainly.
 */
import { useMutation } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { request } from '../../api/client';
import { graphql } from '../../gql';
import { useSession } from '../../session/session';
import { ErrorMessage, TextField } from '../../ui/ui';

const VERIFY_AUDIT_LOG = graphql(`
  query VerifyAuditLog {
    verifyAuditLog { valid length brokenAt reason }
  }
`);
const VERIFY_REPORT_HISTORY = graphql(`
  query AuditVerifyReportHistory($id: ID!) {
    verifyReportHistory(id: $id) { valid length brokenAt }
  }
`);

export function VerifyChain() {
  // A verification is an action the auditor takes, not data to cache: a mutation-style call each click.
  const verify = useMutation({ mutationFn: () => request(VERIFY_AUDIT_LOG) });
  const r = verify.data?.verifyAuditLog;
  return (
    <div>
      <button type="button" className="primary" onClick={() => verify.mutate()} disabled={verify.isPending}>
        {verify.isPending ? 'Verifying…' : 'Verify chain'}
      </button>
      <div aria-live="polite">
        {r &&
          (r.valid ? (
            <div className="alert ok" role="status">
              <p>Chain intact: {r.length} entries</p>
            </div>
          ) : (
            <div className="alert error" role="alert">
              <p>
                Chain broken at entry #{r.brokenAt}: {r.reason ?? 'the entry does not match its hash'}
              </p>
              <p className="small">{r.length} entries checked. Tell the security officer: the log may have been altered.</p>
            </div>
          ))}
      </div>
      <ErrorMessage error={verify.error} />
    </div>
  );
}

export function VerifyReportHistory() {
  const { can } = useSession();
  const [id, setId] = useState('');
  const [missing, setMissing] = useState<string | undefined>();
  const verify = useMutation({ mutationFn: (reportId: string) => request(VERIFY_REPORT_HISTORY, { id: reportId }) });
  if (!can('verifyReportHistory')) return null;
  const r = verify.data?.verifyReportHistory;
  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (!id.trim()) {
      setMissing('Enter the report id');
      return;
    }
    setMissing(undefined);
    verify.mutate(id.trim());
  };
  return (
    <form onSubmit={submit} noValidate aria-labelledby="vrh-title">
      <h3 id="vrh-title">Verify one report's history</h3>
      <div className="actions align-end">
        <TextField label="Report id" autoComplete="off" spellCheck={false} value={id} onChange={(e) => setId(e.target.value)} error={missing} />
        <button type="submit" disabled={verify.isPending}>
          {verify.isPending ? 'Verifying…' : 'Verify report history'}
        </button>
      </div>
      <div aria-live="polite">
        {r &&
          (r.valid ? (
            <div className="alert ok" role="status">
              <p>Report history intact: {r.length} entries</p>
            </div>
          ) : (
            <div className="alert error" role="alert">
              <p>Report history broken at entry #{r.brokenAt} ({r.length} entries checked)</p>
            </div>
          ))}
      </div>
      <ErrorMessage error={verify.error} />
    </form>
  );
}
