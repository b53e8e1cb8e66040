/**
 * GraphQL subscriptions over Server-Sent Events (graphql-yoga's transport),
 * with graphql-sse's client in distinct-connections mode: same origin, the
 * session cookie, the CSRF header, and automatic reconnection.
 */
import { createClient, type Client } from 'graphql-sse';
import type { TypedDocumentString } from '../gql/graphql';
import { GRAPHQL_HEADERS } from './client';

let client: Client | null = null;
const sse = () =>
  (client ??= createClient({
    url: '/graphql',
    singleConnection: false,
    credentials: 'same-origin',
    headers: { 'x-graphql-yoga-csrf': GRAPHQL_HEADERS['x-graphql-yoga-csrf'] },
    retryAttempts: Infinity,
    retry: async (retries) => new Promise((r) => setTimeout(r, Math.min(1000 * 2 ** retries, 15_000))),
  }));

/** Subscribes; returns the function that ends the subscription. */
export function subscribe<TResult, TVariables>(
  document: TypedDocumentString<TResult, TVariables>,
  variables: TVariables,
  onData: (data: TResult) => void,
  onError?: (error: unknown) => void,
): () => void {
  return sse().subscribe<TResult>(
    { query: document.toString(), variables: variables as Record<string, unknown> },
    {
      next: (msg) => {
        if (msg.data) onData(msg.data as TResult);
      },
      error: (e) => onError?.(e),
      complete: () => {},
    },
  );
}
