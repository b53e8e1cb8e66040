/**
 * Where a webhook may be delivered (trust review 2, item 10): never to this
 * machine, the local network or the cloud's metadata service unless the
 * operator names the network in WEBHOOK_ALLOWED_NETWORKS. An admin could
 * otherwise make the worker POST to 127.0.0.1, 169.254.169.254 or a
 * database on 10.x, and read which ports answer from the dead letters.
 *
 * Checked twice: at registration (an address, or a name that resolves, to a
 * refused range is BAD_USER_INPUT; a name that does not resolve yet is
 * accepted, as the delivery decides) and at every delivery, where the name
 * is resolved, every address it resolves to is checked, and the connection
 * is pinned to the checked address (the socket's `lookup` answers with it),
 * so a DNS answer that changes between check and connect (rebinding) is
 * never followed. Node's `net.BlockList`: no dependency.
 */
import { lookup as dnsLookup } from 'node:dns/promises';
import { BlockList, isIP } from 'node:net';
import { parseNetwork } from '../net/addresses.js';

/** Ranges no delivery goes to unless WEBHOOK_ALLOWED_NETWORKS names them: one table, each with why. */
const REFUSED_RANGES: readonly { cidr: string; why: string }[] = [
  { cidr: '0.0.0.0/8', why: 'unspecified ("this network")' },
  { cidr: '10.0.0.0/8', why: 'private' },
  { cidr: '100.64.0.0/10', why: 'carrier-grade NAT' },
  { cidr: '127.0.0.0/8', why: 'loopback' },
  { cidr: '169.254.0.0/16', why: 'link-local (cloud metadata services)' },
  { cidr: '172.16.0.0/12', why: 'private' },
  { cidr: '192.0.0.0/24', why: 'IETF protocol assignments' },
  { cidr: '192.0.2.0/24', why: 'documentation' },
  { cidr: '192.168.0.0/16', why: 'private' },
  { cidr: '198.18.0.0/15', why: 'benchmarking' },
  { cidr: '198.51.100.0/24', why: 'documentation' },
  { cidr: '203.0.113.0/24', why: 'documentation' },
  { cidr: '224.0.0.0/4', why: 'multicast' },
  { cidr: '240.0.0.0/4', why: 'reserved and broadcast' },
  { cidr: '::/96', why: 'unspecified, loopback and IPv4-compatible' },
  { cidr: '::ffff:0:0/96', why: 'IPv4-mapped' },
  { cidr: '64:ff9b::/96', why: 'NAT64 (reaches IPv4 addresses)' },
  { cidr: '64:ff9b:1::/48', why: 'local NAT64' },
  { cidr: '100::/64', why: 'discard' },
  { cidr: '2001::/32', why: 'Teredo (embeds an IPv4 address)' },
  { cidr: '2001:db8::/32', why: 'documentation' },
  { cidr: '2002::/16', why: '6to4 (embeds an IPv4 address)' },
  { cidr: 'fc00::/7', why: 'unique-local' },
  { cidr: 'fe80::/10', why: 'link-local' },
  { cidr: 'fec0::/10', why: 'site-local (deprecated)' },
  { cidr: 'ff00::/8', why: 'multicast' },
];

/**
 * Rules per family, each list only ever asked about its own family: Node's
 * BlockList matches an IPv4 address against an IPv6 rule through its mapped
 * form (so `::ffff:0:0/96` would refuse every IPv4 address) and the reverse.
 */
function blockListOf(networks: readonly string[]) {
  const lists = { ipv4: new BlockList(), ipv6: new BlockList() };
  for (const text of networks) {
    const n = parseNetwork(text);
    if (!n) throw new Error(`not an address or network: ${text}`);
    lists[n.family].addSubnet(n.address, n.prefix, n.family);
  }
  return (address: string) => {
    const version = isIP(address);
    if (version === 4) return lists.ipv4.check(address, 'ipv4');
    // An IPv4-mapped address is matched by IPv6 rules only (`::ffff:127.0.0.1/128` names it; `127.0.0.1/32` does not).
    if (version === 6) return lists.ipv6.check(address, 'ipv6');
    return false;
  };
}

const refusedRanges = REFUSED_RANGES.map((r) => ({ why: r.why, holds: blockListOf([r.cidr]) }));

export type TargetPolicy = ReturnType<typeof createTargetPolicy>;

/** A resolved, checked address a delivery connects to. */
export interface PinnedAddress {
  address: string;
  family: 4 | 6;
}

/** The reason a target is refused, for the operator's log only (an admin sees one message for every failure). */
export class RefusedTarget extends Error {
  constructor(readonly detail: string) {
    super(`webhook target refused: ${detail}`);
    this.name = 'RefusedTarget';
  }
}

type Resolver = (host: string) => Promise<{ address: string; family: number }[]>;
const systemResolver: Resolver = (host) => dnsLookup(host, { all: true, verbatim: true });

/** `allowedNetworks`: WEBHOOK_ALLOWED_NETWORKS; `resolve`: the name lookup (the system's, as connections use). */
export function createTargetPolicy(allowedNetworks: readonly string[], resolve: Resolver = systemResolver) {
  const allowed = blockListOf(allowedNetworks);

  /** Null when a delivery may go to `address` (an IP literal); else which refused range holds it. */
  function refusal(address: string): string | null {
    if (!isIP(address)) return 'not an address';
    if (allowed(address)) return null;
    return refusedRanges.find((r) => r.holds(address))?.why ?? null;
  }

  /** Every address a URL's host stands for: the literal itself, or what the name resolves to now. */
  async function addressesOf(url: URL): Promise<{ address: string; family: number }[]> {
    const host = url.hostname.replace(/^\[|\]$/g, '');
    const version = isIP(host);
    if (version) return [{ address: host, family: version }];
    return resolve(host);
  }

  return {
    refusal,

    /**
     * At registration: refuses an address, or a name resolving now, in a refused range. A name that does not
     * resolve (yet, or from here) is accepted: the delivery checks again and decides.
     */
    async registrable(url: URL): Promise<string | null> {
      let addresses: { address: string }[];
      try {
        addresses = await Promise.race([addressesOf(url), new Promise<never>((_, reject) => setTimeout(() => reject(new Error('timeout')), 3_000).unref())]);
      } catch {
        return null;
      }
      for (const { address } of addresses) {
        const why = refusal(address);
        if (why) return why;
      }
      return null;
    },

    /**
     * At delivery: resolves the host, checks every address it resolves to (one refused address refuses them
     * all: a mixed answer is what rebinding looks like) and returns the one the connection is pinned to.
     */
    async pin(url: URL): Promise<PinnedAddress> {
      let addresses: { address: string; family: number }[];
      try {
        addresses = await addressesOf(url);
      } catch (err) {
        throw new RefusedTarget(`does not resolve (${(err as { code?: string }).code ?? 'error'})`);
      }
      if (!addresses.length) throw new RefusedTarget('does not resolve');
      for (const { address } of addresses) {
        const why = refusal(address);
        if (why) throw new RefusedTarget(why);
      }
      const first = addresses[0]!;
      return { address: first.address, family: first.family === 6 ? 6 : 4 };
    },
  };
}
