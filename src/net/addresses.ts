/**
 * IP address helpers shared by the sign-in limits (which client is this?)
 * and the webhook target checks (may we connect there?). Node's own `net`
 * only: no dependency for a few dozen lines.
 */
import { isIP } from 'node:net';

/** The eight 16-bit groups of an IPv6 address (an embedded IPv4 tail included), or null when it is not one. */
export function ipv6Groups(address: string): number[] | null {
  const bare = address.replace(/^\[|\]$/g, '').split('%')[0]!;
  if (isIP(bare) !== 6) return null;
  let text = bare.toLowerCase();
  const v4 = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(text);
  if (v4) {
    const [a, b, c, d] = v4.slice(1).map(Number) as [number, number, number, number];
    text = `${text.slice(0, v4.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head, tail] = text.split('::') as [string, string | undefined];
  const part = (s: string | undefined) => (s ? s.split(':').map((h) => parseInt(h, 16)) : []);
  const left = part(head);
  const right = part(tail);
  const zeros = tail === undefined ? [] : new Array<number>(8 - left.length - right.length).fill(0);
  return [...left, ...zeros, ...right];
}

/** The IPv4 address inside an IPv4-mapped IPv6 address (`::ffff:a.b.c.d`), or null. */
export function mappedIpv4(address: string): string | null {
  const g = ipv6Groups(address);
  if (!g || g.slice(0, 5).some((x) => x !== 0) || g[5] !== 0xffff) return null;
  return [g[6]! >> 8, g[6]! & 0xff, g[7]! >> 8, g[7]! & 0xff].join('.');
}

/**
 * What the sign-in limits count as one client: an IPv4 address as it is (a
 * mapped one unwrapped), an IPv6 address by its /64 (one host is handed a
 * whole /64 and can pick any address in it), anything else as given.
 */
export function clientOfAddress(address: string): string {
  const v4 = mappedIpv4(address);
  if (v4) return v4;
  const g = ipv6Groups(address);
  if (!g) return address;
  return `${g
    .slice(0, 4)
    .map((x) => x.toString(16))
    .join(':')}::/64`;
}

/** Parses `a.b.c.d`, `a.b.c.d/n`, `x::y` or `x::y/n`; null when it is none of them. */
export function parseNetwork(text: string): { address: string; prefix: number; family: 'ipv4' | 'ipv6' } | null {
  const [address = '', prefixText, extra] = text.trim().split('/');
  const version = isIP(address);
  if (!version || extra !== undefined) return null;
  const max = version === 4 ? 32 : 128;
  const prefix = prefixText === undefined ? max : /^\d{1,3}$/.test(prefixText) ? Number(prefixText) : NaN;
  if (!(prefix >= 0 && prefix <= max)) return null;
  return { address, prefix, family: version === 4 ? 'ipv4' : 'ipv6' };
}
