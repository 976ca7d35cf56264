import dnsPacket from 'dns-packet';
import { duration } from '../../src/commands/dns/run.js';
import { configSchema, finish } from '../../src/config/schema.js';
import { followChain } from '../../src/dns/chain.js';
import { buildQuery, matchesQuery, parseReply } from '../../src/dns/message.js';
import { DnsNameError, isSubdomain, parentName, toAsciiName } from '../../src/dns/names.js';
import { parseResolvConf, parseResolver } from '../../src/dns/public.js';
import { expectedRecords, targetFromConfig } from '../../src/dns/records.js';
import { cloudflareBlockList, isCloudflare } from '../../src/dns/traps.js';

const config = (extra: Record<string, unknown> = {}) =>
  finish(configSchema.parse({ domain: 'example.com', server: { address: '203.0.113.10' }, ...extra }));

describe('expectedRecords', () => {
  it('derives the default set: matrix, element, base domain', () => {
    const { target } = targetFromConfig(config());
    expect(
      expectedRecords(target).map((r) => `${r.name} ${r.type} ${r.values.join()} ${r.required}`),
    ).toEqual([
      'matrix.example.com A 203.0.113.10 true',
      'element.example.com A 203.0.113.10 true',
      'example.com A 203.0.113.10 true',
    ]);
  });

  it('expects jitsi.<domain> when the call stack has Jitsi, and no record for Element Call', () => {
    const names = (stack: 'element-call' | 'jitsi' | 'both') =>
      expectedRecords(
        targetFromConfig(
          config({ audio_video: { enabled: true, stack }, users: [{ name: 'lead', admin: true }] }),
        ).target,
      ).map((r) => `${r.name} ${r.type} ${r.cnameAllowed}`);
    expect(names('jitsi')).toContain('jitsi.example.com A true');
    expect(names('both')).toContain('jitsi.example.com A true');
    expect(names('element-call').some((n) => n.startsWith('jitsi.'))).toBe(false);
    // Audio/video on with no stack on synapse: Element Call, so no jitsi record either.
    const { target } = targetFromConfig(config({ audio_video: { enabled: true } }));
    expect(expectedRecords(target).some((r) => r.name.startsWith('jitsi.'))).toBe(false);
  });

  it('adds AAAA for matrix only, and SRV (current required, deprecated optional) on request', () => {
    // srv_delegation: true is refused in a case config; `dns check --srv-delegation` still asks.
    const { target } = targetFromConfig({
      ...config({
        server: { address: '203.0.113.10', ipv6: '2001:db8::10' },
        element: false,
        serve_base_domain: false,
      }),
      srv_delegation: true,
    });
    expect(
      expectedRecords(target).map((r) => `${r.name} ${r.type} ${r.values.join()} ${r.required}`),
    ).toEqual([
      'matrix.example.com A 203.0.113.10 true',
      'matrix.example.com AAAA 2001:db8::10 true',
      '_matrix-fed._tcp.example.com SRV matrix.example.com:8448 true',
      '_matrix._tcp.example.com SRV matrix.example.com:8448 false',
    ]);
  });

  it('asks to resolve a host-name address unless --ip is given', () => {
    const c = config({ server: { address: 'vps1.hoster.net' } });
    expect(targetFromConfig(c).hostToResolve).toBe('vps1.hoster.net');
    const withIp = targetFromConfig(c, { ipv4: '198.51.100.7' });
    expect(withIp.hostToResolve).toBeUndefined();
    expect(withIp.target.ipv4).toBe('198.51.100.7');
  });

  it('expects AAAA records everywhere for an IPv6-only server', () => {
    const { target } = targetFromConfig(config({ server: { address: '2001:db8::10' } }));
    expect(expectedRecords(target).map((r) => `${r.name} ${r.type}`)).toEqual([
      'matrix.example.com AAAA',
      'element.example.com AAAA',
      'example.com AAAA',
    ]);
  });
});

describe('names', () => {
  it('converts IDNs to ASCII and lowercases', () => {
    expect(toAsciiName('Matrix.Bücher.Example.')).toBe('matrix.xn--bcher-kva.example');
  });
  it('rejects over-long labels and names, and empty labels', () => {
    expect(() => toAsciiName(`${'a'.repeat(64)}.com`)).toThrow(DnsNameError);
    expect(() => toAsciiName(`${'a.'.repeat(127)}com`)).toThrow('at most 253');
    expect(() => toAsciiName('a..com')).toThrow('empty label');
  });
  it('knows sub-domains and parents', () => {
    expect(isSubdomain('matrix.example.com', 'EXAMPLE.com.')).toBe(true);
    expect(isSubdomain('badexample.com', 'example.com')).toBe(false);
    expect(parentName('a.b.c')).toBe('b.c');
    expect(parentName('c')).toBe('.');
  });
});

describe('message', () => {
  const q = { name: 'matrix.example.com', type: 'A' as const };

  it('sends EDNS0 with a 1232-byte buffer, RD only when asked', () => {
    const decoded = dnsPacket.decode(buildQuery(4242, q, false));
    expect(decoded.id).toBe(4242);
    expect(decoded.flag_rd).toBe(false);
    const opt = decoded.additionals?.find((a) => a.type === 'OPT') as dnsPacket.OptAnswer;
    expect(opt.udpPayloadSize).toBe(1232);
    expect(dnsPacket.decode(buildQuery(1, q, true)).flag_rd).toBe(true);
  });

  it('refuses a record type dns-packet would send as type 0', () => {
    expect(() => buildQuery(1, { name: 'x.com', type: 'BOGUS' as 'A' }, false)).toThrow(
      'unsupported record type',
    );
  });

  it('assembles the extended rcode from the OPT record', () => {
    const buf = dnsPacket.encode({
      type: 'response',
      id: 7,
      questions: [{ name: 'matrix.example.com', type: 'A', class: 'IN' }],
      additionals: [
        {
          type: 'OPT',
          name: '.',
          udpPayloadSize: 1232,
          extendedRcode: 1,
          ednsVersion: 0,
          flags: 0,
          flag_do: false,
          options: [],
        },
      ],
    });
    const r = parseReply(buf);
    expect(r.ok && r.reply.rcode).toBe(16); // BADVERS
  });

  it('never throws on garbage', () => {
    expect(parseReply(Buffer.from([1, 2, 3])).ok).toBe(false);
    expect(parseReply(Buffer.alloc(40, 0xff)).ok).toBe(false);
  });

  it('matches only QR + ID + the exact question (name case-insensitive)', () => {
    const reply = (id: number, name: string, type = 'A') => {
      const r = parseReply(
        dnsPacket.encode({ type: 'response', id, questions: [{ name, type: type as 'A', class: 'IN' }] }),
      );
      if (!r.ok) throw new Error('bad');
      return r.reply;
    };
    expect(matchesQuery(reply(9, 'MATRIX.example.com'), 9, q)).toBe(true);
    expect(matchesQuery(reply(8, 'matrix.example.com'), 9, q)).toBe(false);
    expect(matchesQuery(reply(9, 'element.example.com'), 9, q)).toBe(false);
    expect(matchesQuery(reply(9, 'matrix.example.com', 'AAAA'), 9, q)).toBe(false);
  });
});

describe('followChain', () => {
  const rr = (name: string, type: string, value: string, ttl = 300) => ({ name, type, value, ttl });
  const reply = (answers: ReturnType<typeof rr>[]) => ({
    answers,
    authorities: [],
    additionals: [],
    questions: [],
    id: 1,
    qr: true,
    aa: true,
    tc: false,
    ra: false,
    rcode: 0,
    edns: true,
  });

  it('follows CNAMEs to the values and keeps the lowest TTL', () => {
    const c = followChain(reply([rr('a.x', 'CNAME', 'b.x', 60), rr('b.x', 'A', '192.0.2.1')]), 'a.x', 'A');
    expect(c).toMatchObject({ values: ['192.0.2.1'], chain: ['b.x'], ttl: 60, loop: false });
  });
  it('detects a loop', () => {
    const c = followChain(reply([rr('a.x', 'CNAME', 'b.x'), rr('b.x', 'CNAME', 'a.x')]), 'a.x', 'A');
    expect(c.loop).toBe(true);
    expect(c.chain).toEqual(['b.x', 'a.x']);
  });
});

describe('resolver lists', () => {
  it('parses addresses with and without ports', () => {
    expect(parseResolver('1.1.1.1')).toEqual({
      label: 'Cloudflare',
      server: { address: '1.1.1.1', port: 53 },
    });
    expect(parseResolver('127.0.0.1:5300').server).toEqual({ address: '127.0.0.1', port: 5300 });
    expect(parseResolver('[::1]:5300').server).toEqual({ address: '::1', port: 5300 });
    expect(parseResolver('2001:db8::1').server).toEqual({ address: '2001:db8::1', port: 53 });
    expect(() => parseResolver('dns.google')).toThrow('not an IP address');
  });
  it('reads nameserver lines of resolv.conf', () => {
    const text = '# comment\nnameserver 10.0.0.53\nsearch lan\nnameserver fe80::1%eth0\noptions edns0\n';
    expect(parseResolvConf(text).map((r) => r.server.address)).toEqual(['10.0.0.53', 'fe80::1']);
  });
});

describe('Cloudflare ranges', () => {
  it('recognises proxy addresses and nothing else', () => {
    const list = cloudflareBlockList({ ipv4: ['104.16.0.0/13'], ipv6: ['2606:4700::/32'] });
    expect(isCloudflare(list, '104.21.3.4')).toBe(true);
    expect(isCloudflare(list, '2606:4700::6810:1')).toBe(true);
    expect(isCloudflare(list, '203.0.113.10')).toBe(false);
  });
});

describe('duration', () => {
  it.each([
    ['30m', 1800000],
    ['90s', 90000],
    ['1h', 3600000],
    ['500ms', 500],
    ['45', 45000],
  ])('%s', (text, ms) => expect(duration(text, '--timeout')).toBe(ms));
  it('rejects nonsense', () =>
    expect(() => duration('soon', '--timeout')).toThrow('"soon" is not a duration'));
});
