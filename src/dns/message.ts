import dnsPacket from 'dns-packet';
import { canonical } from './names.js';

/**
 * Building queries and parsing replies with dns-packet. Parsing never throws: a reply that
 * dns-packet cannot decode (it throws Error or RangeError) comes back as `{ ok: false }`.
 */

/** The record types the checker asks for. dns-packet silently encodes unknown names as type 0. */
export const RECORD_TYPES = ['A', 'AAAA', 'CNAME', 'NS', 'SOA', 'SRV', 'CAA', 'TXT'] as const;
export type RecordType = (typeof RECORD_TYPES)[number];

/** EDNS0 UDP payload size (DNS Flag Day 2020). */
export const EDNS_BUFFER = 1232;

export interface Question {
  name: string;
  type: RecordType;
}

export interface Soa {
  mname: string;
  rname: string;
  serial: number;
  minimum: number;
}

export interface Srv {
  priority: number;
  weight: number;
  port: number;
  target: string;
}

export interface Caa {
  flags: number;
  tag: string;
  value: string;
}

/** One resource record, with its data as text (and structured for SOA, SRV, CAA). */
export interface Rr {
  name: string;
  type: string;
  ttl: number;
  /** A/AAAA: the address; CNAME/NS: the target name; others: a zone-file-like rendering. */
  value: string;
  soa?: Soa;
  srv?: Srv;
  caa?: Caa;
}

export interface Reply {
  id: number;
  qr: boolean;
  aa: boolean;
  tc: boolean;
  ra: boolean;
  /** The full rcode: (OPT extended rcode << 4) | header rcode. */
  rcode: number;
  questions: { name: string; type: string; class: string }[];
  answers: Rr[];
  authorities: Rr[];
  additionals: Rr[];
  /** The reply carried an OPT record. */
  edns: boolean;
}

export const RCODE = { NOERROR: 0, FORMERR: 1, SERVFAIL: 2, NXDOMAIN: 3, NOTIMP: 4, REFUSED: 5 } as const;

export function isRecordType(value: string): value is RecordType {
  return (RECORD_TYPES as readonly string[]).includes(value);
}

/** A query as bytes. `recursion` sets RD; an OPT record advertises a 1232-byte buffer. */
export function buildQuery(id: number, q: Question, recursion: boolean): Buffer {
  if (!isRecordType(q.type)) throw new Error(`unsupported record type ${String(q.type)}`);
  return dnsPacket.encode(packet(id, q, recursion));
}

/** The same query with the 2-byte length prefix used over TCP. */
export function buildTcpQuery(id: number, q: Question, recursion: boolean): Buffer {
  return dnsPacket.streamEncode(packet(id, q, recursion));
}

function packet(id: number, q: Question, recursion: boolean): dnsPacket.Packet {
  return {
    type: 'query',
    id,
    flags: recursion ? dnsPacket.RECURSION_DESIRED : 0,
    questions: [{ name: q.name === '.' ? '.' : q.name, type: q.type, class: 'IN' }],
    additionals: [
      {
        type: 'OPT',
        name: '.',
        udpPayloadSize: EDNS_BUFFER,
        extendedRcode: 0,
        ednsVersion: 0,
        flags: 0,
        flag_do: false,
        options: [],
      },
    ],
  };
}

/** The 16-bit ID and QR bit, read straight from the header (works on garbage too). */
export function peekHeader(buf: Buffer): { id: number; qr: boolean } | undefined {
  if (buf.length < 12) return undefined;
  return { id: buf.readUInt16BE(0), qr: (buf[2]! & 0x80) !== 0 };
}

export type ParseResult = { ok: true; reply: Reply } | { ok: false; reason: string };

export function parseReply(buf: Buffer): ParseResult {
  let decoded: dnsPacket.DecodedPacket & { rcode?: string };
  try {
    decoded = dnsPacket.decode(buf) as dnsPacket.DecodedPacket & { rcode?: string };
  } catch (err) {
    return { ok: false, reason: `cannot decode reply: ${(err as Error).message}` };
  }
  try {
    const header = buf.readUInt16BE(2);
    const opt = (decoded.additionals ?? []).find((a) => a.type === 'OPT') as dnsPacket.OptAnswer | undefined;
    const rcode = ((opt?.extendedRcode ?? 0) << 4) | (header & 0xf);
    return {
      ok: true,
      reply: {
        id: decoded.id ?? 0,
        qr: decoded.flag_qr,
        aa: decoded.flag_aa,
        tc: decoded.flag_tc,
        ra: decoded.flag_ra,
        rcode,
        questions: (decoded.questions ?? []).map((q) => ({
          name: canonical(q.name),
          type: String(q.type),
          class: String(q.class ?? 'IN'),
        })),
        answers: records(decoded.answers),
        authorities: records(decoded.authorities),
        additionals: records(decoded.additionals),
        edns: opt !== undefined,
      },
    };
  } catch (err) {
    return { ok: false, reason: `malformed record data: ${(err as Error).message}` };
  }
}

/** QR set, same ID, and exactly the question that was sent (name case-insensitively, type, class IN). */
export function matchesQuery(reply: Reply, id: number, q: Question): boolean {
  if (!reply.qr || reply.id !== id || reply.questions.length !== 1) return false;
  const got = reply.questions[0]!;
  return got.name === canonical(q.name) && got.type === q.type && got.class === 'IN';
}

function records(list: dnsPacket.Answer[] | undefined): Rr[] {
  const out: Rr[] = [];
  for (const a of list ?? []) {
    if (a.type === 'OPT') continue;
    out.push(toRr(a));
  }
  return out;
}

function toRr(a: Exclude<dnsPacket.Answer, dnsPacket.OptAnswer>): Rr {
  const base = { name: canonical(a.name), type: String(a.type), ttl: a.ttl ?? 0 };
  switch (a.type) {
    case 'A':
    case 'AAAA':
      return { ...base, value: String(a.data) };
    case 'CNAME':
    case 'NS':
    case 'DNAME':
    case 'PTR':
      return { ...base, value: canonical(String(a.data)) };
    case 'SOA': {
      const d = a.data;
      const soa = {
        mname: canonical(d.mname),
        rname: canonical(d.rname),
        serial: d.serial ?? 0,
        minimum: d.minimum ?? 0,
      };
      return { ...base, value: `${soa.mname} ${soa.rname} ${soa.serial} min ${soa.minimum}`, soa };
    }
    case 'SRV': {
      const srv = {
        priority: a.data.priority ?? 0,
        weight: a.data.weight ?? 0,
        port: a.data.port,
        target: canonical(a.data.target),
      };
      return { ...base, value: `${srv.priority} ${srv.weight} ${srv.port} ${srv.target}`, srv };
    }
    case 'CAA': {
      const caa = { flags: a.data.flags ?? 0, tag: String(a.data.tag), value: String(a.data.value) };
      return { ...base, value: `${caa.flags} ${caa.tag} "${caa.value}"`, caa };
    }
    case 'TXT': {
      const parts = Array.isArray(a.data) ? a.data : [a.data];
      return { ...base, value: parts.map((p) => JSON.stringify(p.toString())).join(' ') };
    }
    default:
      return { ...base, value: Buffer.isBuffer(a.data) ? a.data.toString('hex') : JSON.stringify(a.data) };
  }
}
