import { type FakeDnsServer, type FakeRecord, freePort, startDnsServer } from './dns-server.js';

export interface CaseZone {
  domain: string;
  /** What matrix.<domain>, <domain> (and element.<domain> through a CNAME) point at. */
  ip: string;
}

export interface CaseDns {
  /** MATRIX_OOB_DNS_* settings that point the checker at these servers only. */
  env: Record<string, string>;
  close(): Promise<void>;
}

/**
 * The DNS a case needs, served on `${prefix}.1` (the "test." parent, as the root), `${prefix}.2`
 * (authoritative for every zone) and `${prefix}.9` (a public resolver), all on one free port.
 * Each suite passes its own prefix (e.g. 127.53.8) so parallel suites never meet.
 */
export async function startCaseDns(prefix: string, zones: CaseZone[]): Promise<CaseDns> {
  const ns = `${prefix}.2`;
  const port = await freePort(`${prefix}.1`, [ns, `${prefix}.9`]);
  const delegation: FakeRecord[] = zones.flatMap((z) => [
    { name: z.domain, type: 'NS', data: `ns1.${z.domain}` },
    { name: `ns1.${z.domain}`, type: 'A', data: ns },
  ]);
  const records: FakeRecord[] = zones.flatMap((z) => [
    { name: `matrix.${z.domain}`, type: 'A', data: z.ip },
    { name: z.domain, type: 'A', data: z.ip },
    { name: `element.${z.domain}`, type: 'CNAME', data: `matrix.${z.domain}` },
  ]);
  const servers: FakeDnsServer[] = [
    await startDnsServer({ address: `${prefix}.1`, port, zones: ['test'], records: delegation }),
    await startDnsServer({
      address: ns,
      port,
      zones: zones.map((z) => z.domain),
      records: [...delegation, ...records],
    }),
    await startDnsServer({ address: `${prefix}.9`, port, records }),
  ];
  return {
    env: {
      MATRIX_OOB_DNS_ROOTS: `${prefix}.1:${port}`,
      MATRIX_OOB_DNS_AUTH_PORT: String(port),
      MATRIX_OOB_DNS_RESOLVERS: `${prefix}.9:${port}`,
      MATRIX_OOB_DNS_SYSTEM_RESOLVER: '0',
      MATRIX_OOB_DNS_QUERY_TIMEOUT_MS: '300',
    },
    close: async () => {
      await Promise.all(servers.map((s) => s.close()));
    },
  };
}
