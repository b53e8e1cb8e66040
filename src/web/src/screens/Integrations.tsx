/**
 * The admin's integration screens: outgoing webhooks (/admin/webhooks: add
 * an endpoint with its signing secret shown once, list, remove after a
 * confirmation, dead letters with Replay) and the routing rules
 * (/admin/routing: the version in force, its rules, reload from the
 * configured file with each validation problem listed when it is refused).
 */
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { ApiError, request } from '../api/client';
import { graphql } from '../gql';
import type { AdminWebhooksQuery, RoutingRulesInForceQuery, WebhookEvent } from '../gql/graphql';
import { useSession } from '../session/session';
import { DataTable, type Column } from '../ui/DataTable';
import { Checkbox, ConfirmDialog, ErrorMessage, formatTime, humanise, Notice, QueryState, TextField } from '../ui/ui';
import { isFieldError, serverFieldError } from './oversight/forms';

const WEBHOOKS = graphql(`
  query AdminWebhooks {
    webhookEndpoints { id url events createdAt }
    webhookDeadLetters { id endpointId event desk priority at attempts lastError failedAt }
  }
`);
const CREATE_WEBHOOK = graphql(`
  mutation AdminCreateWebhook($url: String!, $events: [WebhookEvent!]!) {
    createWebhookEndpoint(url: $url, events: $events) { secret endpoint { id url } }
  }
`);
const DELETE_WEBHOOK = graphql(`
  mutation AdminDeleteWebhook($id: ID!) { deleteWebhookEndpoint(id: $id) }
`);
const REPLAY_WEBHOOK = graphql(`
  mutation AdminReplayWebhook($id: ID!) { replayWebhookDelivery(id: $id) { id } }
`);
const RULES = graphql(`
  query RoutingRulesInForce {
    routingRules {
      version versionId description loadedAt deskPrecedence defaultDesk defaultPriority
      rules { id desk priority when { imminentThreat categoriesAny boroughsAny channelsAny source partnersAny } }
    }
  }
`);
const RELOAD_RULES = graphql(`
  mutation AdminReloadRoutingRules {
    reloadRoutingRules { changed previousVersionId inForce { version versionId } }
  }
`);

const EVENTS: { value: WebhookEvent; label: string }[] = [
  { value: 'p1_intake', label: 'A report routed at P1' },
  { value: 'sla_escalation', label: 'A report escalated past its deadline' },
];
const eventText = (e: string) => EVENTS.find((x) => x.value === e)?.label ?? humanise(e);

type Endpoint = AdminWebhooksQuery['webhookEndpoints'][number];
type DeadLetter = AdminWebhooksQuery['webhookDeadLetters'][number];

export function AdminWebhooks() {
  const { can } = useSession();
  const queryClient = useQueryClient();
  const [message, setMessage] = useState<string | null>(null);
  // The signing secret lives only here, in memory, until dismissed.
  const [secret, setSecret] = useState<{ url: string; secret: string } | null>(null);
  const [removing, setRemoving] = useState<Endpoint | null>(null);
  const [url, setUrl] = useState('');
  const [events, setEvents] = useState<WebhookEvent[]>([]);
  const [localError, setLocalError] = useState<{ url?: string; events?: string }>({});
  const query = useQuery({ queryKey: ['webhooks'], queryFn: () => request(WEBHOOKS) });
  const refresh = () => queryClient.invalidateQueries({ queryKey: ['webhooks'] });
  const create = useMutation({
    mutationFn: () => request(CREATE_WEBHOOK, { url: url.trim(), events }),
    onSuccess: (d) => {
      setUrl('');
      setEvents([]);
      setMessage(null);
      setSecret({ url: d.createWebhookEndpoint.endpoint.url, secret: d.createWebhookEndpoint.secret });
      void refresh();
    },
  });
  const remove = useMutation({
    mutationFn: (id: string) => request(DELETE_WEBHOOK, { id }),
    onSuccess: () => {
      setMessage(`Endpoint ${removing?.url ?? ''} removed: nothing more is sent to it.`);
      setRemoving(null);
      void refresh();
    },
  });
  const replay = useMutation({
    mutationFn: (id: string) => request(REPLAY_WEBHOOK, { id }),
    onSuccess: () => {
      setMessage('Delivery queued again (same delivery id, fresh signature).');
      void refresh();
    },
  });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    const errors: typeof localError = {};
    if (!/^https?:\/\/\S+$/i.test(url.trim())) errors.url = 'Enter the endpoint address, starting with https://';
    if (events.length === 0) errors.events = 'Choose at least one event';
    setLocalError(errors);
    if (Object.keys(errors).length === 0) create.mutate();
  };
  const toggle = (ev: WebhookEvent, on: boolean) => setEvents((cur) => (on ? [...cur.filter((x) => x !== ev), ev] : cur.filter((x) => x !== ev)));

  const endpointColumns: Column<Endpoint>[] = [
    { header: 'Address', className: 'mono', cell: (w) => w.url, rowHeader: true },
    { header: 'Events', cell: (w) => w.events.map(eventText).join('; ') },
    { header: 'Added', cell: (w) => formatTime(w.createdAt) },
    {
      header: 'Actions',
      cell: (w) =>
        can('deleteWebhookEndpoint') && (
          <button type="button" className="danger" onClick={() => setRemoving(w)} aria-label={`Remove ${w.url}`}>
            Remove
          </button>
        ),
    },
  ];
  const urlOf = (d: AdminWebhooksQuery, id: string) => d.webhookEndpoints.find((w) => w.id === id)?.url ?? 'A removed endpoint';
  const deadColumns = (d: AdminWebhooksQuery): Column<DeadLetter>[] => [
    { header: 'Endpoint', className: 'mono', cell: (l) => urlOf(d, l.endpointId), rowHeader: true },
    { header: 'Event', cell: (l) => `${eventText(l.event)} (${l.desk}, ${l.priority})` },
    { header: 'Event time', cell: (l) => formatTime(l.at) },
    { header: 'Attempts', cell: (l) => String(l.attempts) },
    { header: 'Last error', cell: (l) => l.lastError },
    { header: 'Failed', cell: (l) => formatTime(l.failedAt) },
    {
      header: 'Actions',
      cell: (l) =>
        can('replayWebhookDelivery') && (
          <button type="button" onClick={() => replay.mutate(l.id)} disabled={replay.isPending} aria-label={`Replay delivery ${l.id}`}>
            Replay
          </button>
        ),
    },
  ];

  return (
    <div className="oversight">
      <h1>Webhooks</h1>
      {secret && (
        <div className="alert warn key-once" role="alert" aria-labelledby="secret-title">
          <h2 id="secret-title">Signing secret for {secret.url}</h2>
          <p>
            <strong>Copy this secret now and give it to the receiver by a secure channel. It cannot be shown again:</strong> the receiver checks each delivery's X-Hotline-Signature with it.
          </p>
          <div className="field">
            <label htmlFor="webhook-secret">Signing secret</label>
            <input id="webhook-secret" className="mono api-key" readOnly value={secret.secret} spellCheck={false} onFocus={(e) => e.target.select()} />
          </div>
          <div className="actions">
            <button
              type="button"
              onClick={() => {
                setSecret(null);
                setMessage(`Endpoint ${secret.url} added. Its secret is no longer shown anywhere.`);
              }}
            >
              I have stored the secret
            </button>
          </div>
        </div>
      )}
      <Notice message={message} />
      <ErrorMessage error={replay.error} />
      <QueryState query={query} loading="Loading webhooks">
        {(d) => (
          <>
            <section aria-labelledby="endpoints-title">
              <h2 id="endpoints-title">Endpoints</h2>
              {d.webhookEndpoints.length === 0 ? (
                <p className="empty">No endpoint receives deliveries.</p>
              ) : (
                <DataTable caption="Webhook endpoints" captionHidden rows={d.webhookEndpoints} rowKey={(w) => w.id} columns={endpointColumns} />
              )}
            </section>
            <section aria-labelledby="dead-title">
              <h2 id="dead-title">Dead letters</h2>
              <p className="hint">Deliveries that failed every attempt. They name no report.</p>
              {d.webhookDeadLetters.length === 0 ? (
                <p className="empty">No delivery has failed.</p>
              ) : (
                <DataTable caption="Deliveries that failed every attempt" captionHidden rows={d.webhookDeadLetters} rowKey={(l) => l.id} columns={deadColumns(d)} />
              )}
            </section>
          </>
        )}
      </QueryState>
      {can('createWebhookEndpoint') && (
        <section>
          <form onSubmit={submit} noValidate aria-labelledby="add-webhook-title">
            <h2 id="add-webhook-title">Add an endpoint</h2>
            <p className="hint">Signed deliveries are sent to it for the events chosen. Its signing secret is shown once, here, right after you add it.</p>
            <TextField label="Endpoint address" hint="An https:// address the receiver listens on" autoComplete="off" spellCheck={false} value={url} onChange={(e) => setUrl(e.target.value)} error={localError.url ?? serverFieldError(create.error, 'url')} />
            <fieldset aria-describedby={localError.events ? 'webhook-events-error' : undefined}>
              <legend>Events</legend>
              {localError.events && (
                <p className="field-error" id="webhook-events-error">
                  {localError.events}
                </p>
              )}
              {EVENTS.map((ev) => (
                <Checkbox key={ev.value} label={ev.label} checked={events.includes(ev.value)} onChange={(e) => toggle(ev.value, e.target.checked)} />
              ))}
            </fieldset>
            {!isFieldError(create.error, ['url']) && <ErrorMessage error={create.error} />}
            <button type="submit" className="primary" disabled={create.isPending}>
              {create.isPending ? 'Adding…' : 'Add endpoint'}
            </button>
          </form>
        </section>
      )}
      <ConfirmDialog
        open={removing !== null}
        title={`Remove ${removing?.url ?? ''}?`}
        action={remove}
        labels={{ confirm: 'Remove endpoint', busy: 'Removing…' }}
        onConfirm={() => removing && remove.mutate(removing.id)}
        onClose={() => setRemoving(null)}
      >
        <p>Nothing more is sent to it; deliveries still queued for it are dropped.</p>
      </ConfirmDialog>
    </div>
  );
}

type Rule = RoutingRulesInForceQuery['routingRules']['rules'][number];

/** A rule's conditions in words: "imminent threat; categories: Vehicle, Firearms". */
function conditionText(w: Rule['when']): string {
  const parts = [
    w.imminentThreat != null ? (w.imminentThreat ? 'imminent threat' : 'not an imminent threat') : null,
    w.categoriesAny?.length ? `categories: ${w.categoriesAny.map(humanise).join(', ')}` : null,
    w.boroughsAny?.length ? `boroughs: ${w.boroughsAny.map(humanise).join(', ')}` : null,
    w.channelsAny?.length ? `channels: ${w.channelsAny.map(humanise).join(', ')}` : null,
    w.source ? `source: ${humanise(w.source)}` : null,
    w.partnersAny?.length ? `${w.partnersAny.length === 1 ? 'one named partner' : `${w.partnersAny.length} named partners`}` : null,
  ].filter(Boolean);
  return parts.length ? parts.join('; ') : 'every report';
}

export function AdminRoutingRules() {
  const { can } = useSession();
  const queryClient = useQueryClient();
  const [message, setMessage] = useState<string | null>(null);
  const query = useQuery({ queryKey: ['routing-rules'], queryFn: () => request(RULES) });
  const reload = useMutation({
    mutationFn: () => request(RELOAD_RULES),
    onSuccess: (d) => {
      const r = d.reloadRoutingRules;
      setMessage(r.changed ? `Rules reloaded: version ${r.inForce.version} is in force (was ${r.previousVersionId}).` : `The file holds the rules already in force (${r.inForce.version}); nothing changed.`);
      void queryClient.invalidateQueries({ queryKey: ['routing-rules'] });
    },
    onMutate: () => setMessage(null),
  });
  const problems = reload.error instanceof ApiError && reload.error.code === 'BAD_USER_INPUT' ? ((reload.error.errors[0]?.extensions?.problems as string[] | undefined) ?? []) : [];
  const columns: Column<Rule>[] = [
    { header: 'Rule', className: 'mono', cell: (r) => r.id, rowHeader: true },
    { header: 'When', cell: (r) => conditionText(r.when) },
    { header: 'Desk', cell: (r) => r.desk },
    { header: 'Priority', cell: (r) => r.priority },
  ];
  return (
    <div className="oversight">
      <h1>Routing rules</h1>
      <Notice message={message} />
      {problems.length > 0 ? (
        <div className="alert error" role="alert" aria-labelledby="rules-problems-title">
          <h2 id="rules-problems-title">The rules file was refused; the rules in force stay</h2>
          <ul className="problems">
            {problems.map((p) => (
              <li key={p}>{p}</li>
            ))}
          </ul>
        </div>
      ) : (
        <ErrorMessage error={reload.error} />
      )}
      <QueryState query={query} loading="Loading the routing rules">
        {({ routingRules: r }) => (
          <section aria-labelledby="rules-title">
            <h2 id="rules-title">In force: version {r.version}</h2>
            {r.description && <p>{r.description}</p>}
            <dl className="facts">
              <div><dt>Loaded</dt><dd>{formatTime(r.loadedAt)}</dd></div>
              <div><dt>Version id</dt><dd className="mono">{r.versionId}</dd></div>
              <div><dt>When no rule matches</dt><dd>{r.defaultDesk}, {r.defaultPriority}</dd></div>
              <div><dt>Desk precedence</dt><dd>{r.deskPrecedence.join(', ')}</dd></div>
            </dl>
            <DataTable caption="Routing rules, first match first" captionHidden rows={r.rules} rowKey={(x) => x.id} columns={columns} />
          </section>
        )}
      </QueryState>
      {can('reloadRoutingRules') && (
        <section aria-labelledby="reload-title">
          <h2 id="reload-title">Reload</h2>
          <p className="hint">Reads the configured rules file again. An invalid file is refused, with each problem listed, and the rules in force keep routing. Every process follows a reload; it is audited.</p>
          <button type="button" className="primary" onClick={() => reload.mutate()} disabled={reload.isPending}>
            {reload.isPending ? 'Reloading…' : 'Reload the rules'}
          </button>
        </section>
      )}
    </div>
  );
}
