/**
 * The national threat level: the current level with when and why it was set,
 * its recent history, and (for a supervisor) a form to change it with a
 * reason, then a confirmation that says what will change before anything is
 * sent (the level steers triage's priorities for every new report). The
 * reason goes into the audit log with the change.
 */
import { zodResolver } from '@hookform/resolvers/zod';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { useForm } from 'react-hook-form';
import { z } from 'zod';
import { request } from '../../api/client';
import { graphql } from '../../gql';
import type { OversightThreatLevelQuery } from '../../gql/graphql';
import { useSession } from '../../session/session';
import { DataTable, type Column } from '../../ui/DataTable';
import { Dialog, ErrorMessage, Loading, Select, TextArea, formatTime, humanise } from '../../ui/ui';
import { THREAT_LEVEL_BADGE_KEY } from './ThreatLevelBadge';
import { isFieldError, serverFieldError } from './forms';

const THREAT_LEVEL = graphql(`
  query OversightThreatLevel {
    threatLevel { level reason setAt history { level reason setAt } }
  }
`);
const SET_THREAT_LEVEL = graphql(`
  mutation SetThreatLevel($level: ThreatLevel!, $reason: String!) {
    setThreatLevel(level: $level, reason: $reason) { level reason setAt history { level reason setAt } }
  }
`);

const LEVELS = ['LOW', 'MODERATE', 'SUBSTANTIAL', 'SEVERE', 'CRITICAL'] as const;
const schema = z.object({
  level: z.enum(LEVELS, { message: 'Choose a level' }),
  reason: z.string().trim().min(5, 'Give a reason (at least 5 characters)').max(1000, 'At most 1,000 characters'),
});
type Values = z.infer<typeof schema>;
type LevelChange = OversightThreatLevelQuery['threatLevel']['history'][number];

export function ThreatLevelPanel() {
  const { can } = useSession();
  const queryClient = useQueryClient();
  const query = useQuery({ queryKey: ['threatLevel'], queryFn: () => request(THREAT_LEVEL) });
  const form = useForm<Values>({ resolver: zodResolver(schema), defaultValues: { level: undefined, reason: '' } });
  /** The change asked for, waiting for its confirmation. */
  const [confirming, setConfirming] = useState<Values | null>(null);
  const mutation = useMutation({
    mutationFn: (v: Values) => request(SET_THREAT_LEVEL, v),
    onSuccess: (data) => {
      queryClient.setQueryData(['threatLevel'], { threatLevel: data.setThreatLevel });
      void queryClient.invalidateQueries({ queryKey: THREAT_LEVEL_BADGE_KEY });
      form.reset({ level: undefined, reason: '' });
      setConfirming(null);
    },
    // A field the server refused is shown on the form: back to it.
    onError: (err) => {
      if (isFieldError(err, ['reason', 'level'])) setConfirming(null);
    },
  });
  const { errors } = form.formState;
  const current = query.data?.threatLevel;

  const columns: Column<LevelChange>[] = [
    { header: 'Set', cell: (h) => formatTime(h.setAt) },
    { header: 'Level', cell: (h) => humanise(h.level) },
    { header: 'Reason', cell: (h) => h.reason },
  ];
  return (
    <section aria-labelledby="tl-title">
      <h2 id="tl-title">National threat level</h2>
      {query.isLoading ? (
        <Loading what="Loading the threat level" />
      ) : query.error ? (
        <ErrorMessage error={query.error} onRetry={() => void query.refetch()} />
      ) : current ? (
        <div className={`threat-now threat-${current.level}`} role="status" aria-live="polite">
          <p>
            Current level: <strong className="threat-level">{humanise(current.level)}</strong>
          </p>
          <p className="small">
            {current.setAt ? `Set ${formatTime(current.setAt)}` : 'The default level: never set on this service'}
            {current.reason ? ` · Reason: ${current.reason}` : ''}
          </p>
        </div>
      ) : null}
      <p className="hint">Severe and critical raise the priority triage gives new reports.</p>
      {current && current.history.length > 0 && (
        <DataTable caption="Threat level history (latest first)" rows={current.history} rowKey={(h) => `${h.setAt}-${h.level}`} columns={columns} />
      )}
      {can('setThreatLevel') && (
        <form
          onSubmit={form.handleSubmit((v) => {
            mutation.reset();
            setConfirming(v);
          })}
          noValidate
          aria-labelledby="tl-change"
        >
          <h3 id="tl-change">Change the threat level</h3>
          <div className="narrow-fields">
            <Select label="New level" placeholder="Choose…" options={LEVELS} error={errors.level?.message ?? serverFieldError(mutation.error, 'level')} {...form.register('level')} />
          </div>
          <TextArea label="Reason for the change" rows={2} error={errors.reason?.message ?? serverFieldError(mutation.error, 'reason')} {...form.register('reason')} />
          {!confirming && !isFieldError(mutation.error, ['reason', 'level']) && <ErrorMessage error={mutation.error} />}
          <button type="submit" className="primary" disabled={mutation.isPending}>
            Set threat level
          </button>
        </form>
      )}
      {confirming && (
        <Dialog open title="Confirm the new threat level" onClose={() => setConfirming(null)}>
          <dl className="facts">
            <dt>From</dt>
            <dd>{current ? humanise(current.level) : 'Unknown'}</dd>
            <dt>To</dt>
            <dd>
              <strong>{humanise(confirming.level)}</strong>
            </dd>
            <dt>Reason</dt>
            <dd>{confirming.reason.trim()}</dd>
          </dl>
          <p>Every user sees the new level, triage uses it for new reports at once, and the change and its reason go into the audit log under your name.</p>
          {!isFieldError(mutation.error, ['reason', 'level']) && <ErrorMessage error={mutation.error} />}
          <div className="actions">
            <button type="button" className="primary" onClick={() => mutation.mutate(confirming)} disabled={mutation.isPending}>
              {mutation.isPending ? 'Setting…' : `Set the level to ${humanise(confirming.level)}`}
            </button>
            <button type="button" onClick={() => setConfirming(null)} disabled={mutation.isPending}>
              Go back
            </button>
          </div>
        </Dialog>
      )}
    </section>
  );
}
