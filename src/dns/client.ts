import { randomInt } from 'node:crypto';
import dgram from 'node:dgram';
import net, { isIPv6 } from 'node:net';
import {
  buildQuery,
  buildTcpQuery,
  matchesQuery,
  type ParseResult,
  parseReply,
  peekHeader,
  type Question,
  type Reply,
} from './message.js';

/**
 * The DNS transport: one query to one server, over UDP (a fresh connected socket and a random
 * ID per attempt) with a retry over TCP when the reply is truncated. Only a reply with QR set,
 * the same ID and exactly the question sent is accepted; anything else is ignored (UDP) and the
 * query eventually times out. Nothing here throws on bad input from the network.
 */

export interface Server {
  address: string;
  port: number;
  /** Ask over TCP only (the server was found to answer over TCP but not over UDP). */
  tcp?: boolean;
}

export type TransportState = 'reply' | 'timeout' | 'malformed' | 'unreachable' | 'error';

export interface QueryOutcome {
  state: TransportState;
  reply?: Reply;
  /** Wall time of the whole query (all attempts), in milliseconds. */
  ms: number;
  transport: 'udp' | 'tcp';
  /** Why it failed, or what was ignored on the way. */
  detail?: string;
  /** UDP gave no reply (why), and the answer came over TCP instead. */
  udpFailed?: string;
}

export interface QueryOptions {
  /** Set RD (ask a resolver to recurse). Authoritative queries leave it off. */
  recursion: boolean;
  signal?: AbortSignal;
}

export interface DnsClient {
  query(server: Server, q: Question, options: QueryOptions): Promise<QueryOutcome>;
}

export interface ClientOptions {
  /** Per attempt. */
  timeoutMs: number;
  /** Extra UDP attempts after a timeout or an undecodable reply. */
  retries: number;
}

export const DEFAULT_CLIENT_OPTIONS: ClientOptions = { timeoutMs: 2000, retries: 1 };

interface Attempt {
  state: TransportState;
  reply?: Reply;
  detail?: string;
}

export function createClient(options: Partial<ClientOptions> = {}): DnsClient {
  const { timeoutMs, retries } = { ...DEFAULT_CLIENT_OPTIONS, ...options };
  return {
    async query(server, q, opts) {
      const start = performance.now();
      try {
        return await run(server, q, opts, start);
      } catch (err) {
        // Encoding a query we built ourselves failed: report it, never throw into the check.
        return {
          state: 'error',
          ms: performance.now() - start,
          transport: 'udp',
          detail: (err as Error).message,
        };
      }
    },
  };

  async function run(server: Server, q: Question, opts: QueryOptions, start: number): Promise<QueryOutcome> {
    const spec: AttemptSpec = { server, q, recursion: opts.recursion, timeoutMs, signal: opts.signal };
    if (server.tcp) {
      const tcp = await attempt(overTcp, spec);
      return { ...tcp, ms: performance.now() - start, transport: 'tcp' };
    }
    let last: Attempt = { state: 'timeout' };
    let sawMalformed: Attempt | undefined;
    for (let i = 0; i <= retries; i++) {
      if (opts.signal?.aborted) break;
      last = await attempt(overUdp, spec);
      if (last.state === 'reply' && last.reply?.tc) {
        const tcp = await attempt(overTcp, spec);
        return { ...tcp, ms: performance.now() - start, transport: 'tcp' };
      }
      if (last.state === 'malformed') sawMalformed = last;
      if (last.state === 'reply' || last.state === 'unreachable') break;
    }
    const final = last.state === 'timeout' && sawMalformed ? sawMalformed : last;
    if (final.state === 'timeout' && !opts.signal?.aborted) {
      // UDP silent: try TCP once (a firewall may block UDP 53 only); say so when it works.
      const tcp = await attempt(overTcp, spec);
      if (tcp.state === 'reply') {
        const why = `no reply over UDP (${retries + 1} attempt${retries === 0 ? '' : 's'} of ${timeoutMs} ms${final.detail ? `, ${final.detail}` : ''})`;
        return { ...tcp, ms: performance.now() - start, transport: 'tcp', udpFailed: why };
      }
      const tried = `no reply over UDP (${retries + 1} x ${timeoutMs} ms) nor over TCP${tcp.detail && tcp.detail !== final.detail && !tcp.detail.startsWith('no complete reply') ? ` (${tcp.detail})` : ''}`;
      return {
        ...final,
        detail: final.detail ? `${tried}: ${final.detail}` : tried,
        ms: performance.now() - start,
        transport: 'udp',
      };
    }
    return { ...final, ms: performance.now() - start, transport: 'udp' };
  }
}

function isUnreachable(code: string | undefined): boolean {
  return ['ENETUNREACH', 'EHOSTUNREACH', 'EADDRNOTAVAIL', 'EAFNOSUPPORT', 'EINVAL'].includes(code ?? '');
}

function errorAttempt(err: NodeJS.ErrnoException): Attempt {
  if (isUnreachable(err.code)) return { state: 'unreachable', detail: `no route from here (${err.code})` };
  if (err.code === 'ECONNREFUSED')
    return { state: 'timeout', detail: 'nothing listens there (connection refused)' };
  return { state: 'timeout', detail: err.code ?? err.message };
}

/** Classify one datagram: the reply, or why it was ignored. */
function judge(msg: Buffer, id: number, q: Question): Attempt | 'ignored' | 'garbage' {
  const head = peekHeader(msg);
  if (!head) return 'garbage';
  if (head.id !== id || !head.qr) return parseReply(msg).ok ? 'ignored' : 'garbage';
  const parsed: ParseResult = parseReply(msg);
  if (!parsed.ok) return { state: 'malformed', detail: parsed.reason };
  if (!matchesQuery(parsed.reply, id, q)) return 'ignored';
  return { state: 'reply', reply: parsed.reply };
}

/** One UDP attempt: a fresh connected socket; mismatched and undecodable datagrams are ignored. */
const overUdp: Transport = ({ server, q, recursion }, id, finish) => {
  let ignored = 0;
  let garbage = 0;
  const socket = dgram.createSocket(isIPv6(server.address) ? 'udp6' : 'udp4');
  const close = () => {
    try {
      socket.close();
    } catch {
      // already closed
    }
  };
  const onTimeout = (): Attempt =>
    garbage > 0
      ? { state: 'malformed', detail: `${garbage} undecodable reply(s), no valid one` }
      : {
          state: 'timeout',
          detail:
            ignored > 0 ? `no matching reply (${ignored} with a wrong ID or question ignored)` : undefined,
        };
  socket.on('error', (err) => finish(errorAttempt(err)));
  socket.on('message', (msg) => {
    const verdict = judge(msg, id, q);
    if (verdict === 'ignored') ignored++;
    else if (verdict === 'garbage') garbage++;
    else finish(verdict);
  });
  try {
    socket.connect(server.port, server.address, () => {
      if (finish.done) return;
      socket.send(buildQuery(id, q, recursion), (err) => {
        if (err) finish(errorAttempt(err));
      });
    });
  } catch (err) {
    finish(errorAttempt(err as NodeJS.ErrnoException));
  }
  return { close, onTimeout };
};

/** One TCP attempt: length-prefixed messages; a mismatched one is skipped, garbage ends it. */
const overTcp: Transport = ({ server, q, recursion }, id, finish) => {
  let buffered = Buffer.alloc(0);
  let ignored = 0;
  const socket = net.connect({ host: server.address, port: server.port });
  socket.setNoDelay(true);
  socket.on('connect', () => socket.write(buildTcpQuery(id, q, recursion)));
  socket.on('error', (err) => finish(errorAttempt(err)));
  socket.on('close', () =>
    finish({ state: 'malformed', detail: 'TCP connection closed before a full reply' }),
  );
  socket.on('data', (chunk: Buffer) => {
    buffered = Buffer.concat([buffered, chunk]);
    while (buffered.length >= 2) {
      const len = buffered.readUInt16BE(0);
      if (buffered.length < len + 2) return;
      const msg = buffered.subarray(2, 2 + len);
      buffered = buffered.subarray(2 + len);
      const verdict = judge(msg, id, q);
      if (verdict === 'garbage') return finish({ state: 'malformed', detail: 'undecodable reply over TCP' });
      if (verdict === 'ignored') {
        ignored++;
        continue;
      }
      return finish(verdict);
    }
  });
  return {
    close: () => socket.destroy(),
    onTimeout: (): Attempt => ({
      state: 'timeout',
      detail: `no complete reply over TCP${ignored > 0 ? ` (${ignored} mismatched ignored)` : ''}`,
    }),
  };
};

interface AttemptSpec {
  server: Server;
  q: Question;
  recursion: boolean;
  timeoutMs: number;
  signal?: AbortSignal;
}

type Finish = ((a: Attempt) => void) & { done?: boolean };

/** Opens the socket for one attempt with a fresh ID; returns how to close it and what its deadline means. */
type Transport = (
  spec: AttemptSpec,
  id: number,
  finish: Finish,
) => { close: () => void; onTimeout: () => Attempt };

/**
 * The life of one attempt, whatever the transport: it ends once (the first of a verdict, the
 * deadline or the caller's abort), then clears its timer, drops its abort listener and closes the
 * socket.
 */
function attempt(transport: Transport, spec: AttemptSpec): Promise<Attempt> {
  const { timeoutMs, signal } = spec;
  if (signal?.aborted) return Promise.resolve({ state: 'timeout', detail: 'cancelled' });
  return new Promise((resolve) => {
    let timer: NodeJS.Timeout | undefined;
    let close = () => {};
    const finish: Finish = (a: Attempt) => {
      if (finish.done) return;
      finish.done = true;
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      close();
      resolve(a);
    };
    const onAbort = () => finish({ state: 'timeout', detail: 'cancelled' });
    const started = transport(spec, randomInt(0, 0x10000), finish);
    close = started.close;
    if (finish.done) {
      close();
      return;
    }
    timer = setTimeout(() => finish(started.onTimeout()), timeoutMs);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
