/**
 * Request deadlines (B2): a request whose client has gone or whose deadline
 * has passed stops at its next resolver, before any work of that resolver.
 */
import { graphql, GraphQLObjectType, GraphQLSchema, GraphQLString } from 'graphql';
import { describe, expect, it } from 'vitest';
import { guardResolvers, requestSignal } from '../../../src/graphql/deadline.js';

function schemaCounting(calls: string[]) {
  return guardResolvers(
    new GraphQLSchema({
      query: new GraphQLObjectType({
        name: 'Query',
        fields: {
          work: { type: GraphQLString, resolve: () => (calls.push('work'), 'done') },
        },
      }),
    }),
  );
}

describe('guardResolvers', () => {
  it('runs resolvers while the signal is live', async () => {
    const calls: string[] = [];
    const result = await graphql({ schema: schemaCounting(calls), source: '{ work }', contextValue: { signal: new AbortController().signal } });
    expect(result.data).toEqual({ work: 'done' });
    expect(calls).toEqual(['work']);
  });

  it('stops before the resolver once the client has gone', async () => {
    const calls: string[] = [];
    const gone = new AbortController();
    const signal = requestSignal(gone.signal, Date.now(), 60_000);
    gone.abort();
    const result = await graphql({ schema: schemaCounting(calls), source: '{ work }', contextValue: { signal } });
    expect(calls).toEqual([]);
    expect(result.errors?.[0]?.originalError).toMatchObject({ code: 'SERVICE_UNAVAILABLE', extensions: { deadline: true } });
  });

  it('stops before the resolver once the deadline has passed', async () => {
    const calls: string[] = [];
    // Received 10 s ago with a 5 s budget: the signal aborts at once (its timer is 1 ms).
    const signal = requestSignal(new AbortController().signal, Date.now() - 10_000, 5_000);
    await new Promise((r) => setTimeout(r, 20));
    const result = await graphql({ schema: schemaCounting(calls), source: '{ work }', contextValue: { signal } });
    expect(calls).toEqual([]);
    expect(result.errors?.[0]?.originalError).toMatchObject({ code: 'SERVICE_UNAVAILABLE' });
  });

  it("follows a server adapter's stand-in for AbortSignal (an EventTarget dressed as one), which Node 24's AbortSignal.any rejects", async () => {
    // What @whatwg-node/server gives a request from a Node server: a Proxy over an EventTarget whose prototype reads as AbortSignal's.
    class StandIn extends EventTarget {
      aborted = false;
      reason: unknown;
      abort(reason: unknown) {
        this.reason = reason;
        this.aborted = true;
        this.dispatchEvent(new Event('abort'));
      }
    }
    const standIn = new StandIn();
    const clientGone = new Proxy(standIn, { getPrototypeOf: () => AbortSignal.prototype }) as unknown as AbortSignal;
    const signal = requestSignal(clientGone, Date.now(), 60_000);
    expect(signal.aborted).toBe(false);
    const calls: string[] = [];
    expect((await graphql({ schema: schemaCounting(calls), source: '{ work }', contextValue: { signal } })).data).toEqual({ work: 'done' });
    standIn.abort(new Error('client went away'));
    expect(signal.aborted).toBe(true);
    const result = await graphql({ schema: schemaCounting(calls), source: '{ work }', contextValue: { signal } });
    expect(calls).toEqual(['work']);
    expect(result.errors?.[0]?.originalError).toMatchObject({ code: 'SERVICE_UNAVAILABLE' });
  });

  it("answers a mutation that landed in full, even when the deadline passed while it ran; a mutation not yet started is stopped", async () => {
    const calls: string[] = [];
    const ctl = new AbortController();
    const Result = new GraphQLObjectType({ name: 'Result', fields: { id: { type: GraphQLString, resolve: (r: { id: string }) => (calls.push('id'), r.id) } } });
    const schema = guardResolvers(
      new GraphQLSchema({
        query: new GraphQLObjectType({ name: 'Query', fields: { work: { type: GraphQLString, resolve: () => 'done' } } }),
        mutation: new GraphQLObjectType({
          name: 'Mutation',
          fields: {
            // The deadline passes while the change is written: it has landed, so its answer is still given.
            change: { type: Result, resolve: () => (calls.push('change'), ctl.abort(), { id: 'r1' }) },
            again: { type: Result, resolve: () => (calls.push('again'), { id: 'r2' }) },
          },
        }),
      }),
    );
    const result = await graphql({ schema, source: 'mutation { change { id } again { id } }', contextValue: { signal: ctl.signal } });
    expect(result.data?.change).toEqual({ id: 'r1' });
    // The next mutation of the same request had not started: it is stopped before it writes.
    expect(result.data?.again).toBeNull();
    expect(result.errors?.[0]?.originalError).toMatchObject({ code: 'SERVICE_UNAVAILABLE' });
    expect(calls).toEqual(['change', 'id']);
  });

  it('is aborted from the start when the client had already gone', () => {
    const gone = new AbortController();
    gone.abort();
    expect(requestSignal(gone.signal, Date.now(), 60_000).aborted).toBe(true);
  });
});
