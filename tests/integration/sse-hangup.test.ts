/**
 * A client that hangs up on a subscription stream at once (a browser tab
 * closed or navigated away while the desk queue opens) must not crash the
 * API: graphql-yoga 5.24's SSE stream throws from its cancel when it is
 * destroyed before it started, and that error, unhandled, is an uncaught
 * exception (seen in the console's e2e run). Vitest fails the run on any
 * uncaught error, so this test fails if it comes back.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bootApp, type TestApp } from '../support/app.js';
import { createStaff } from '../support/factories.js';

let app: TestApp;
beforeAll(async () => {
  app = await bootApp();
});
afterAll(() => app?.close());

describe('subscription streams closed by the client', () => {
  it('survive clients that hang up at once, or just after the first bytes', async () => {
    const { token } = await createStaff(app, 'INVESTIGATOR', 'SO12');
    const open = () =>
      fetch(app.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'text/event-stream', authorization: `Bearer ${token}` },
        body: JSON.stringify({ query: 'subscription { deskQueueChanged(desk: SO12) { reportId kind } }' }),
        signal: AbortSignal.timeout(5_000),
      });
    for (let i = 0; i < 40; i++) {
      const abort = new AbortController();
      const pending = fetch(app.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'text/event-stream', authorization: `Bearer ${token}` },
        body: JSON.stringify({ query: 'subscription { deskQueueChanged(desk: SO12) { reportId kind } }' }),
        signal: abort.signal,
      }).catch(() => null);
      // Hang up while the server is still setting the stream up, or after the headers.
      if (i % 2 === 0) setTimeout(() => abort.abort(), i * 2);
      else {
        const res = await pending;
        abort.abort();
        await res?.body?.cancel().catch(() => undefined);
      }
      await pending;
    }
    await new Promise((r) => setTimeout(r, 500));
    const res = await open();
    expect(res.status).toBe(200);
    const reader = res.body!.getReader();
    const first = await reader.read();
    expect(new TextDecoder().decode(first.value)).toContain(':');
    await reader.cancel();
    expect((await fetch(app.url.replace('/graphql', '/healthz'))).status).toBe(200);
  });
});
