import { verifyDeployment } from '../../src/verify/checks.js';
import { type HttpsGet, HttpsGetError } from '../../src/verify/https.js';

const config = { domain: 'example.com', serve_base_domain: false, element: false };

/** A fake adapter: every request fails the same way. */
const failing =
  (make: (url: string) => HttpsGetError): HttpsGet =>
  async (url) => {
    throw make(url);
  };

async function first(get: HttpsGet) {
  const report = await verifyDeployment(config, { get });
  return report.checks[0]!;
}

describe('verify failure wording (pure, fake adapter)', () => {
  it('sends an unresolvable name to the DNS check', async () => {
    const c = await first(failing((url) => new HttpsGetError('ENOTFOUND', url, 'getaddrinfo ENOTFOUND')));
    expect(c).toMatchObject({
      status: 'fail',
      detail: 'example.com does not resolve (ENOTFOUND)',
      fix: 'create the DNS records first and wait until "matrix-oob dns check" passes',
    });
  });

  it("names Traefik's placeholder certificate", async () => {
    const c = await first(
      failing(
        (url) =>
          new HttpsGetError('TLS', url, 'refused', {
            authorized: false,
            error: 'DEPTH_ZERO_SELF_SIGNED_CERT',
            names: ['x.traefik.default'],
            issuer: 'TRAEFIK DEFAULT CERT',
          }),
      ),
    );
    expect(c.detail).toBe(
      'certificate issued by "TRAEFIK DEFAULT CERT" is not trusted (DEPTH_ZERO_SELF_SIGNED_CERT) (Traefik\'s placeholder: no real certificate yet)',
    );
  });

  it('gives the expiry date of an expired certificate', async () => {
    const c = await first(
      failing(
        (url) =>
          new HttpsGetError('TLS', url, 'refused', {
            authorized: false,
            error: 'CERT_HAS_EXPIRED',
            names: ['example.com'],
            validTo: 'Jan  1 00:00:00 2026 GMT',
          }),
      ),
    );
    expect(c.detail).toBe('certificate expired on Jan  1 00:00:00 2026 GMT');
    expect(c.fix).toBe('give the web server of example.com a valid certificate for example.com');
  });

  it('words a refused port on our own host as a firewall fix, and on the base domain as its web server', async () => {
    const report = await verifyDeployment(config, {
      get: failing((url) => new HttpsGetError('ECONNREFUSED', url, 'connect ECONNREFUSED')),
    });
    const byId = Object.fromEntries(report.checks.map((c) => [c.id, c]));
    expect(byId['well-known-server']?.fix).toBe(
      'make the web server of example.com answer HTTPS on port 443',
    );
    expect(byId.federation?.fix).toContain("open TCP port 8448 on the server's firewall");
    expect(report.ok).toBe(false);
    expect(report.failed).toBe(4);
  });

  it('rejects a redirect to plain http', async () => {
    const c = await first(
      failing(
        (url) =>
          new HttpsGetError(
            'INSECURE_REDIRECT',
            url,
            'redirects to http://example.com/x, which is not https',
          ),
      ),
    );
    expect(c.detail).toBe('redirects to http://example.com/x, which is not https');
    expect(c.fix).toContain('it must end at an https URL serving the file');
  });
});

describe('verify requests (pure, fake adapter)', () => {
  it('asks each URL once: the client well-known serves both its check and the Element Call focus', async () => {
    const asked: string[] = [];
    const get: HttpsGet = async (url) => {
      asked.push(url);
      throw new HttpsGetError('ECONNREFUSED', url, 'connect ECONNREFUSED');
    };
    const report = await verifyDeployment(
      {
        ...config,
        homeserver: 'synapse',
        audio_video: { enabled: true, stack: 'element-call' } as never,
      },
      { get },
    );
    const ids = report.checks.map((c) => c.id);
    expect(ids).toContain('well-known-client');
    expect(ids).toContain('rtc-foci');
    // Both checks report the one failure, each in its own words.
    expect(report.checks.find((c) => c.id === 'rtc-foci')?.status).toBe('fail');
    expect(report.checks.find((c) => c.id === 'well-known-client')?.status).toBe('fail');
    expect(asked.filter((u) => u === 'https://example.com/.well-known/matrix/client')).toHaveLength(1);
    expect(new Set(asked).size).toBe(asked.length);
  });
});
