// A programmable DNS server on dns-packet, for fault-injection tests and the bench.
// Plain ESM JavaScript (typed by dns-server.d.ts) so bench/*.js can use it without a TS loader.
// It listens on UDP and TCP on the same address and port, answers from a table of records
// (authoritative for `zones`, or as a "resolver" with RA set when no zones are given), and can
// misbehave on demand: delays, wrong IDs, wrong questions, truncation, garbage, SERVFAIL,
// REFUSED, or silence.
import { randomBytes } from 'node:crypto';
import dgram from 'node:dgram';
import net from 'node:net';
import dnsPacket from 'dns-packet';

const defaultSoa = (zone) => ({
  name: zone,
  type: 'SOA',
  ttl: 300,
  class: 'IN',
  data: {
    mname: `ns1.${zone}`,
    rname: `hostmaster.${zone}`,
    serial: 1,
    refresh: 3600,
    retry: 600,
    expire: 86400,
    minimum: 60,
  },
});
const lower = (n) => n.toLowerCase().replace(/\.$/, '');
const under = (name, zone) => zone === '' || name === zone || name.endsWith(`.${zone}`);

export async function startDnsServer(options = {}) {
  const address = options.address ?? '127.0.0.1';
  const state = {
    mode: options.mode ?? 'normal',
    delayMs: options.delayMs ?? 0,
    records: (options.records ?? []).map((r) => ({ ttl: 300, class: 'IN', ...r, name: lower(r.name) })),
    zones: (options.zones ?? []).map(lower),
    udpQueries: 0,
    tcpQueries: 0,
  };

  for (const zone of state.zones) {
    if (!state.records.some((r) => r.name === zone && r.type === 'SOA')) state.records.push(defaultSoa(zone));
  }

  function soaFor(zone) {
    return state.records.find((r) => r.name === zone && r.type === 'SOA') ?? defaultSoa(zone);
  }

  function answer(query) {
    const q = query.questions?.[0];
    const base = {
      type: 'response',
      id: query.id,
      questions: query.questions,
      flags: query.flags & dnsPacket.RECURSION_DESIRED,
    };
    if (!q) return { ...base, flags: base.flags | 1 };
    const qname = lower(q.name);
    const resolver = state.zones.length === 0;
    const zone = resolver
      ? ''
      : state.zones.filter((z) => under(qname, z)).sort((a, b) => b.length - a.length)[0];
    if (zone === undefined) return { ...base, flags: base.flags | 5 };
    const flags = base.flags | (resolver ? dnsPacket.RECURSION_AVAILABLE : dnsPacket.AUTHORITATIVE_ANSWER);
    // Referral: an NS set strictly below the apex, at or above the name.
    if (!resolver) {
      const labels = qname.split('.');
      for (let i = labels.length - 1; i >= 0; i--) {
        const cut = labels.slice(i).join('.');
        if (cut === zone || !under(cut, zone)) continue;
        const ns = state.records.filter((r) => r.name === cut && r.type === 'NS');
        if (ns.length > 0) {
          const glue = state.records.filter(
            (r) => (r.type === 'A' || r.type === 'AAAA') && ns.some((n) => lower(n.data) === r.name),
          );
          return { ...base, flags: base.flags, authorities: ns, additionals: glue };
        }
      }
    }
    const answers = [];
    let name = qname;
    const seen = new Set();
    for (;;) {
      const exact = state.records.filter((r) => r.name === name && r.type === q.type);
      if (exact.length > 0) {
        answers.push(...exact);
        return { ...base, flags, answers };
      }
      const cname = state.records.find((r) => r.name === name && r.type === 'CNAME');
      if (!cname || seen.has(name)) break;
      seen.add(name);
      answers.push(cname);
      name = lower(cname.data);
      if (!resolver && !under(name, zone)) return { ...base, flags, answers };
    }
    const exists = state.records.some((r) => r.name === name || r.name.endsWith(`.${name}`));
    const negative = resolver ? state.records.filter((r) => r.type === 'SOA').slice(0, 1) : [soaFor(zone)];
    return { ...base, flags: flags | (exists ? 0 : 3), answers, authorities: negative };
  }

  function respond(msg, tcp) {
    let query;
    try {
      query = dnsPacket.decode(msg);
    } catch {
      return undefined;
    }
    const mode = state.mode;
    if (mode === 'silent') return undefined;
    if (mode === 'udp-silent' && !tcp) return undefined;
    if (mode === 'garbage') return randomBytes(40);
    if (mode === 'garbage-same-id') {
      const g = randomBytes(30);
      g.writeUInt16BE(query.id, 0);
      g[2] = 0x84;
      g.writeUInt16BE(5, 4);
      return g;
    }
    let reply = answer(query);
    if (mode === 'servfail')
      reply = { ...reply, flags: (reply.flags & ~0xf) | 2, answers: [], authorities: [] };
    if (mode === 'refused')
      reply = { ...reply, flags: (reply.flags & ~0xf) | 5, answers: [], authorities: [] };
    if (mode === 'wrong-id') reply = { ...reply, id: (query.id + 1) & 0xffff };
    if (mode === 'wrong-question')
      reply = { ...reply, questions: [{ ...query.questions[0], name: `x.${query.questions[0].name}` }] };
    if (mode === 'truncate' && !tcp) {
      reply = {
        ...reply,
        flags: reply.flags | dnsPacket.TRUNCATED_RESPONSE,
        answers: [],
        authorities: [],
        additionals: [],
      };
    }
    return dnsPacket.encode(reply);
  }

  const later = (fn) => (state.delayMs > 0 ? setTimeout(fn, state.delayMs) : fn());

  const udp = dgram.createSocket('udp4');
  udp.on('message', (msg, rinfo) => {
    state.udpQueries++;
    const out = respond(msg, false);
    if (out) later(() => udp.send(out, rinfo.port, rinfo.address, () => {}));
  });
  await new Promise((resolve, reject) => {
    udp.once('error', reject);
    udp.bind(options.port ?? 0, address, resolve);
  });
  const port = udp.address().port;

  const sockets = new Set();
  const tcp = net.createServer((sock) => {
    sockets.add(sock);
    sock.on('close', () => sockets.delete(sock));
    sock.on('error', () => {});
    let buf = Buffer.alloc(0);
    sock.on('data', (chunk) => {
      buf = Buffer.concat([buf, chunk]);
      while (buf.length >= 2 && buf.length >= buf.readUInt16BE(0) + 2) {
        const len = buf.readUInt16BE(0);
        const msg = buf.subarray(2, 2 + len);
        buf = buf.subarray(2 + len);
        state.tcpQueries++;
        const out = respond(msg, true);
        if (out) {
          const framed = Buffer.alloc(2 + out.length);
          framed.writeUInt16BE(out.length, 0);
          out.copy(framed, 2);
          later(() => sock.writable && sock.write(framed));
        }
      }
    });
  });
  await new Promise((resolve, reject) => {
    tcp.once('error', reject);
    tcp.listen(port, address, resolve);
  });

  return {
    address,
    port,
    state,
    async close() {
      for (const s of sockets) s.destroy();
      await Promise.all([new Promise((r) => udp.close(r)), new Promise((r) => tcp.close(r))]);
    },
  };
}

const family = (address) => (net.isIPv6(address) ? 'udp6' : 'udp4');

function tcpFree(port, address) {
  return new Promise((resolve) => {
    const srv = net.createServer();
    srv.once('error', () => resolve(false));
    srv.listen(port, address, () => srv.close(() => resolve(true)));
  });
}

function udpFree(port, address) {
  return new Promise((resolve) => {
    const s = dgram.createSocket(family(address));
    s.once('error', () => resolve(false));
    s.bind(port, address, () => s.close(() => resolve(true)));
  });
}

/** Reserve a port that is free for both UDP and TCP on `address` (and on every `also` address). */
export async function freePort(address, also = []) {
  for (let i = 0; i < 20; i++) {
    const udp = dgram.createSocket(family(address));
    const port = await new Promise((resolve, reject) => {
      udp.once('error', reject);
      udp.bind(0, address, () => resolve(udp.address().port));
    });
    let ok = await tcpFree(port, address);
    await new Promise((r) => udp.close(r));
    for (const a of also) ok = ok && (await udpFree(port, a)) && (await tcpFree(port, a));
    if (ok) return port;
  }
  throw new Error(`no free port on ${address}`);
}

/** True when this machine can bind ::1 (some containers have no IPv6 at all). */
export function hasIPv6Loopback() {
  return udpFree(0, '::1');
}
