/**
 * Random bytes for nonces and data keys, from the platform CSPRNG
 * (`crypto.getRandomValues`, the same source libsodium-wrappers' ESM build
 * uses). libsodium's `randombytes_buf` pulls it four bytes per callback
 * (~150 µs per nonce here) and even one getRandomValues call costs ~10 µs, so
 * bytes are drawn 4 KiB at a time and each handed-out range is wiped from
 * the pool. The pool is per process; Node never forks its memory.
 */
const POOL_BYTES = 4096;

/** A factory so tests and callers can hold their own pool; see {@link randomBytes}. */
export function createRandomSource(): (length: number) => Uint8Array {
  const pool = new Uint8Array(POOL_BYTES);
  let used = POOL_BYTES;
  return (length) => {
    if (length > POOL_BYTES) return globalThis.crypto.getRandomValues(new Uint8Array(length));
    if (used + length > POOL_BYTES) {
      globalThis.crypto.getRandomValues(pool);
      used = 0;
    }
    const out = pool.slice(used, used + length);
    pool.fill(0, used, used + length);
    used += length;
    return out;
  };
}

/** `length` fresh random bytes (never handed out twice). */
export const randomBytes = createRandomSource();
