/**
 * The address helpers behind the sign-in limits (which client is this?) and
 * the webhook target checks (src/net/addresses.ts, src/webhooks/targets.ts).
 */
import { describe, expect, it } from 'vitest';
import { clientOfAddress, ipv6Groups, mappedIpv4, parseNetwork } from '../../src/net/addresses.js';
import { createTargetPolicy } from '../../src/webhooks/targets.js';

describe('clientOfAddress', () => {
  it('counts an IPv6 host by its /64, so rotating addresses inside it is one client', () => {
    expect(clientOfAddress('2001:db8:1:2:aaaa::1')).toBe('2001:db8:1:2::/64');
    expect(clientOfAddress('2001:db8:1:2:ffff:ffff:ffff:ffff')).toBe('2001:db8:1:2::/64');
    expect(clientOfAddress('2001:db8:1:3::1')).toBe('2001:db8:1:3::/64');
  });
  it('unwraps an IPv4-mapped address and leaves IPv4 and non-addresses as they are', () => {
    expect(clientOfAddress('::ffff:203.0.113.9')).toBe('203.0.113.9');
    expect(clientOfAddress('::ffff:cb00:7109')).toBe('203.0.113.9');
    expect(clientOfAddress('203.0.113.9')).toBe('203.0.113.9');
    expect(clientOfAddress('admin-cli')).toBe('admin-cli');
  });
});

describe('address parsing', () => {
  it('expands IPv6 forms and reads networks', () => {
    expect(ipv6Groups('::1')).toEqual([0, 0, 0, 0, 0, 0, 0, 1]);
    expect(ipv6Groups('fe80::1%eth0')).toEqual([0xfe80, 0, 0, 0, 0, 0, 0, 1]);
    expect(ipv6Groups('1.2.3.4')).toBeNull();
    expect(mappedIpv4('::ffff:127.0.0.1')).toBe('127.0.0.1');
    expect(mappedIpv4('::127.0.0.1')).toBeNull();
    expect(parseNetwork('10.0.0.0/8')).toEqual({ address: '10.0.0.0', prefix: 8, family: 'ipv4' });
    expect(parseNetwork('fd00::/8')).toEqual({ address: 'fd00::', prefix: 8, family: 'ipv6' });
    expect(parseNetwork('::1')).toEqual({ address: '::1', prefix: 128, family: 'ipv6' });
    for (const bad of ['10.0.0.0/33', 'example.org', '10.0.0.0/8/8', '10.0.0/8', '::1/129', '1.2.3.4/-1']) expect(parseNetwork(bad)).toBeNull();
  });
});

describe('webhook target policy', () => {
  const policy = createTargetPolicy([]);
  it('refuses every internal range and IPv4-mapped form, and lets public addresses through', () => {
    for (const a of ['127.0.0.1', '10.9.9.9', '172.16.0.1', '192.168.1.1', '169.254.169.254', '100.64.0.1', '0.0.0.0', '224.0.0.1', '255.255.255.255', '::', '::1', '::ffff:8.8.8.8', '::ffff:7f00:1', 'fd12::1', 'fe80::1', 'ff02::1', '64:ff9b::7f00:1']) {
      expect([a, policy.refusal(a)]).not.toEqual([a, null]);
    }
    for (const a of ['8.8.8.8', '1.1.1.1', '2606:4700:4700::1111']) expect([a, policy.refusal(a)]).toEqual([a, null]);
  });
  it('lets through exactly what the allow-list names, per family', () => {
    const allowing = createTargetPolicy(['10.20.0.0/16', '::ffff:127.0.0.1/128']);
    expect(allowing.refusal('10.20.3.4')).toBeNull();
    expect(allowing.refusal('10.21.0.1')).toBe('private');
    expect(allowing.refusal('::ffff:127.0.0.1')).toBeNull();
    expect(allowing.refusal('127.0.0.1')).toBe('loopback');
    // An IPv6 rule never widens to IPv4 addresses (Node's BlockList would match them through the mapped form).
    expect(createTargetPolicy(['::ffff:0:0/96']).refusal('127.0.0.1')).toBe('loopback');
  });
  it('pins a delivery to a checked address, and refuses a name with any internal answer', async () => {
    const resolving = (answers: string[]) => createTargetPolicy([], async () => answers.map((address) => ({ address, family: address.includes(':') ? 6 : 4 })));
    await expect(resolving(['8.8.8.8']).pin(new URL('https://hooks.example/x'))).resolves.toEqual({ address: '8.8.8.8', family: 4 });
    await expect(resolving(['8.8.8.8', '127.0.0.1']).pin(new URL('https://hooks.example/x'))).rejects.toThrow(/loopback/);
    await expect(resolving([]).pin(new URL('https://hooks.example/x'))).rejects.toThrow(/does not resolve/);
    await expect(resolving(['8.8.8.8']).pin(new URL('https://[::1]/x'))).rejects.toThrow(/loopback/);
  });
});
