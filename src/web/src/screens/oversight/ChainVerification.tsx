/**
 * Verification for the auditor: the whole audit log's hash chain, and one
 * report's history chain by its reference (the server looks it up). Each
 * result is said plainly; a reference that names no report is said next to
 * its field.
 */
import { useMutation } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { request } from '../../api/client';
import { graphql } from '../../gql';
import { useSession } from '../../session/session';
import { ErrorMessage, TextField } from '../../ui/ui';
import { isFieldError, serverFieldError } from './forms';

const VERIFY_AUDIT_LOG = graphql(`
  query VerifyAuditLog {
    verifyAuditLog { valid length brokenAt reason }
  }
`);
const VERIFY_REPORT_HISTORY = graphql(`
  query AuditVerifyReportHistory($reference: String!) {
    verifyReportHistoryByReference(reference: $reference) { valid length brokenAt }
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
  const [reference, setReference] = useState('');
  const [missing, setMissing] = useState<string | undefined>();
  const verify = useMutation({ mutationFn: (ref: string) => request(VERIFY_REPORT_HISTORY, { reference: ref }) });
  if (!can('verifyReportHistoryByReference')) return null;
  const r = verify.data?.verifyReportHistoryByReference;
  const checked = verify.variables;
  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (!reference.trim()) {
      setMissing("Enter the reference of the report whose history you want to verify");
      return;
    }
    setMissing(undefined);
    verify.mutate(reference.trim().toUpperCase());
  };
  const fieldError = missing ?? serverFieldError(verify.error, 'reference');
  return (
    <form onSubmit={submit} noValidate aria-labelledby="vrh-title">
      <h3 id="vrh-title">Verify one report's history</h3>
      <div className="actions align-end">
        <TextField
          label="Reference to verify"
          hint="For example ATH-2026-000123"
          autoComplete="off"
          spellCheck={false}
          value={reference}
          onChange={(e) => setReference(e.target.value)}
          error={fieldError}
        />
        <button type="submit" disabled={verify.isPending}>
          {verify.isPending ? 'Verifying…' : 'Verify report history'}
        </button>
      </div>
      <div aria-live="polite">
        {r &&
          (r.valid ? (
            <div className="alert ok" role="status">
              <p>
                History of {checked} intact: {r.length} entries
              </p>
            </div>
          ) : (
            <div className="alert error" role="alert">
              <p>
                History of {checked} broken at entry #{r.brokenAt} ({r.length} entries checked). Tell the security officer: the report's history may have been altered.
              </p>
            </div>
          ))}
      </div>
      {!isFieldError(verify.error, ['reference']) && <ErrorMessage error={verify.error} />}
    </form>
  );
}
