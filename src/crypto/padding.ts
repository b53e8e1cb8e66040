/**
 * Length hiding: ISO/IEC 7816-4 padding (one 0x80 byte, then zeros, up to a
 * multiple of the block size), byte-for-byte what `sodium.pad` produces (a
 * test checks this). Done in JavaScript because the wrapper's copies in and
 * out of the WebAssembly heap made `sodium.pad`/`unpad` cost more than the
 * cipher itself on a 1 KiB narrative.
 */

const utf8 = new TextEncoder();

/** UTF-8 encodes `text` straight into a zeroed buffer padded to a multiple of `block`. */
export function padUtf8(text: string, block: number): Uint8Array {
  if (!Number.isInteger(block) || block < 1) throw new Error('Padding block must be a positive integer');
  const length = Buffer.byteLength(text, 'utf8');
  const out = new Uint8Array((Math.floor(length / block) + 1) * block);
  utf8.encodeInto(text, out);
  out[length] = 0x80;
  return out;
}

/**
 * The unpadded length of `padded`, or -1 if the padding is invalid. Looks at
 * no more than `maxBlock` trailing bytes, and reads all of them (no early
 * exit), like sodium_unpad.
 */
export function unpaddedLength(padded: Uint8Array, maxBlock: number): number {
  const window = Math.min(padded.length, maxBlock);
  let marker = -1;
  let seenNonZero = 0;
  for (let i = padded.length - 1; i >= padded.length - window; i--) {
    const byte = padded[i]!;
    const first = seenNonZero === 0 && byte !== 0;
    if (first) marker = byte === 0x80 ? i : -2;
    seenNonZero |= byte;
  }
  return marker < 0 ? -1 : marker;
}
