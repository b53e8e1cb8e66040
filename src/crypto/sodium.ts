/**
 * The one place that loads libsodium. libsodium-wrappers is a WebAssembly
 * build: every function is unusable until `sodium.ready` resolves, and its
 * functions cannot be imported by name. Everything else in `src/crypto`
 * receives the ready object as a parameter instead of importing it, so
 * nothing runs crypto at import time and tests can pass their own instance.
 */
import sodium from 'libsodium-wrappers';

/** The ready libsodium object (all `crypto_*` functions and helpers). */
export type Sodium = typeof sodium;

let loading: Promise<Sodium> | undefined;

/**
 * Resolves once libsodium is initialised and returns it. Memoised because
 * initialising the WebAssembly module is process-wide anyway; calling it from
 * several start-up paths costs nothing.
 */
export function loadSodium(): Promise<Sodium> {
  loading ??= sodium.ready.then(() => sodium);
  return loading;
}
