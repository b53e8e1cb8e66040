/**
 * The `operation` label of a GraphQL request: the root field it executes
 * (`recordHotlineCall`, `deskQueue`). Schema names only, so the label set is
 * bounded by the schema: never the client-chosen operationName or aliases,
 * never variables. A document selecting several root fields is `multiple`
 * (their combinations would multiply series); a request that executes no
 * document (unparseable, invalid, refused before parsing) stays `invalid`.
 */
import { getOperationAST, Kind, type DocumentNode, type SelectionSetNode } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import { isPartnerOperation } from '../auth/policy.js';

export const INVALID_OPERATION = 'invalid';
const MULTIPLE_OPERATIONS = 'multiple';
/** Left on the state for a document that selects a partner operation: the request is not recorded (http.ts). */
export const PARTNER_OPERATION = '\u0000partner';

/** The root field names a document's chosen operation selects, through fragments; sorted, unique. */
function rootFieldNames(document: DocumentNode, operationName?: string | null): string[] {
  const operation = getOperationAST(document, operationName ?? undefined);
  if (!operation) return [];
  const fragments = new Map(document.definitions.flatMap((d) => (d.kind === Kind.FRAGMENT_DEFINITION ? [[d.name.value, d] as const] : [])));
  const names = new Set<string>();
  const seen = new Set<string>();
  const walk = (set: SelectionSetNode) => {
    for (const s of set.selections) {
      if (s.kind === Kind.FIELD) names.add(s.name.value);
      else if (s.kind === Kind.INLINE_FRAGMENT) walk(s.selectionSet);
      else if (!seen.has(s.name.value)) {
        seen.add(s.name.value);
        const fragment = fragments.get(s.name.value);
        if (fragment) walk(fragment.selectionSet);
      }
    }
  };
  walk(operation.selectionSet);
  // `__typename` beside real fields says nothing about the work done.
  if (names.size > 1) names.delete('__typename');
  return [...names].sort();
}

/**
 * The label for an executed document; PARTNER_OPERATION when it selects any
 * partner operation (auth/policy.ts), alone or among others: partner
 * requests are kept out of metrics (trust review 2, item 7).
 */
function operationLabel(document: DocumentNode, operationName?: string | null): string {
  const names = rootFieldNames(document, operationName);
  if (names.some(isPartnerOperation)) return PARTNER_OPERATION;
  if (names.length === 0) return INVALID_OPERATION;
  return names.length === 1 ? names[0]! : MULTIPLE_OPERATIONS;
}

interface KoaState {
  koa?: { state: Record<string, unknown> };
}

/** Where the label is left for the HTTP metrics middleware (see http.ts). */
export const OPERATION_STATE_KEY = 'graphqlOperation';

/**
 * Yoga plugin: once a document has parsed and validated and is about to run,
 * records its label on the Koa request state. Adds nothing to the response.
 */
export function useOperationLabel(): Plugin {
  const label = (args: { document: DocumentNode; operationName?: string | null; contextValue: unknown }) => {
    const koa = (args.contextValue as KoaState).koa;
    if (koa) koa.state[OPERATION_STATE_KEY] = operationLabel(args.document, args.operationName);
  };
  return {
    onExecute: ({ args }) => label(args),
    onSubscribe: ({ args }) => label(args),
  };
}
