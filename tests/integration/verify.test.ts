import { createServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { type VerifyConfig, type VerifyOptions, verifyDeployment } from '../../src/verify/checks.js';
import { parseConnectTo } from '../../src/verify/https.js';
import { closedPort, type FakeDeployment, startFakeDeployment } from '../helpers/fake-deployment.js';
import { createTestCa, type TestCa } from '../helpers/test-ca.js';

const DOMAIN = 'oob-verify.test';
const config: VerifyConfig = { domain: DOMAIN, serve_base_domain: true, element: true };
const elsewhere: VerifyConfig = { ...config, serve_base_domain: false };

let ca: TestCa;
let deployment: FakeDeployment;
let wrongName: FakeDeployment;

beforeAll(async () => {
  ca = await createTestCa();
  [deployment, wrongName] = await Promise.all([
    startFakeDeployment(ca, DOMAIN),
    startFakeDeployment(ca, DOMAIN, { certs8448: { [`matrix.${DOMAIN}`]: ['wrong.example.org'] } }),
  ]);
});

afterAll(async () => {
  await Promise.all([deployment?.close(), wrongName?.close()]);
  await ca?.cleanup();
});

function options(d: FakeDeployment, extra: Partial<VerifyOptions> = {}): VerifyOptions {
  return {
    connectTo: d.connectTo().map((s) => parseConnectTo(s)!),
    ca: [ca.caPem],
    timeoutMs: 3000,
    ...extra,
  };
}

function check(report: Awaited<ReturnType<typeof verifyDeployment>>, id: string) {
  const c = report.checks.find((x) => x.id === id);
  if (!c) throw new Error(`no check ${id}`);
  return c;
}

/** Change one route for the duration of fn. */
async function withRoute<T>(
  key: string,
  route: Parameters<FakeDeployment['routes']['set']>[1],
  fn: () => Promise<T>,
) {
  const before = deployment.routes.get(key);
  deployment.routes.set(key, route);
  try {
    return await fn();
  } finally {
    if (before) deployment.routes.set(key, before);
    else deployment.routes.delete(key);
  }
}

describe('verifyDeployment against local HTTPS servers', () => {
  it('passes every check on a correct deployment', async () => {
    const report = await verifyDeployment(config, options(deployment));
    expect(report.checks.map((c) => [c.id, c.status])).toEqual([
      ['well-known-server', 'ok'],
      ['well-known-client', 'ok'],
      ['client-api', 'ok'],
      ['federation', 'ok'],
      ['element', 'ok'],
    ]);
    expect(report.ok).toBe(true);
    expect(report.failed).toBe(0);
    expect(check(report, 'well-known-server').detail).toBe(`m.server is matrix.${DOMAIN}:8448`);
    expect(check(report, 'federation').detail).toContain(
      `certificate valid for matrix.${DOMAIN}, Synapse 1.120.0`,
    );
    expect(check(report, 'client-api').detail).toContain('r0.6.1 to v1.11');
    expect(report.checks.every((c) => c.fix === undefined)).toBe(true);
  });

  it('skips the Element check when Element is off', async () => {
    const report = await verifyDeployment({ ...config, element: false }, options(deployment));
    expect(report.checks.map((c) => c.id)).not.toContain('element');
  });

  it('fails a wrong m.server and words the fix by serve_base_domain', async () => {
    await withRoute(
      `${DOMAIN}/.well-known/matrix/server`,
      { status: 200, body: JSON.stringify({ 'm.server': `matrix.${DOMAIN}:443` }) },
      async () => {
        const ours = await verifyDeployment(config, options(deployment));
        const c = check(ours, 'well-known-server');
        expect(c.status).toBe('fail');
        expect(c.detail).toBe(
          `m.server is "matrix.${DOMAIN}:443", expected "matrix.${DOMAIN}:8448" (other servers cannot federate)`,
        );
        expect(c.fix).toContain('serve_base_domain: true');
        expect(c.fix).toContain('matrix-oob deploy');
        expect(ours.ok).toBe(false);
        expect(ours.failed).toBe(1);

        const elsewhere = await verifyDeployment(
          { ...config, serve_base_domain: false },
          options(deployment),
        );
        const e = check(elsewhere, 'well-known-server');
        expect(e.fix).toContain(`on the web server of ${DOMAIN}, serve /.well-known/matrix/server as`);
        expect(e.fix).toContain(`"m.server": "matrix.${DOMAIN}:8448"`);
      },
    );
  });

  it('fails a client well-known without the CORS header', async () => {
    await withRoute(
      `${DOMAIN}/.well-known/matrix/client`,
      { status: 200, body: JSON.stringify({ 'm.homeserver': { base_url: `https://matrix.${DOMAIN}` } }) },
      async () => {
        const report = await verifyDeployment({ ...config, serve_base_domain: false }, options(deployment));
        const c = check(report, 'well-known-client');
        expect(c.status).toBe('fail');
        expect(c.detail).toContain('no "Access-Control-Allow-Origin: *" header');
        expect(c.fix).toContain('with the header "Access-Control-Allow-Origin: *"');
        expect(check(report, 'well-known-server').status).toBe('ok');
      },
    );
  });

  it('reports every problem of the client well-known at once', async () => {
    await withRoute(
      `${DOMAIN}/.well-known/matrix/client`,
      {
        status: 200,
        headers: { 'access-control-allow-origin': 'https://app.element.io' },
        body: JSON.stringify({ 'm.homeserver': { base_url: 'https://elsewhere.example' } }),
      },
      async () => {
        const c = check(await verifyDeployment(config, options(deployment)), 'well-known-client');
        expect(c.detail).toBe(
          `m.homeserver.base_url is "https://elsewhere.example", expected "https://matrix.${DOMAIN}"; "Access-Control-Allow-Origin" is "https://app.element.io", expected "*"`,
        );
      },
    );
  });

  it('fails an answer that is not JSON', async () => {
    await withRoute(
      `${DOMAIN}/.well-known/matrix/server`,
      {
        status: 200,
        headers: { 'content-type': 'text/html' },
        body: '<html><body>Welcome to nginx!</body></html>',
      },
      async () => {
        const c = check(await verifyDeployment(config, options(deployment)), 'well-known-server');
        expect(c.status).toBe('fail');
        expect(c.detail).toBe(
          'answer is not JSON (Content-Type text/html): "<html><body>Welcome to nginx!</body></html>"',
        );
      },
    );
  });

  it('fails a 404 and a client API without a versions list', async () => {
    await withRoute(`${DOMAIN}/.well-known/matrix/server`, { status: 404, body: 'nope' }, () =>
      withRoute(
        `matrix.${DOMAIN}/_matrix/client/versions`,
        { status: 200, body: '{"unstable_features":{}}' },
        async () => {
          const report = await verifyDeployment(config, options(deployment));
          expect(check(report, 'well-known-server').detail).toBe('HTTP 404 (not found), expected 200');
          expect(check(report, 'client-api').detail).toBe('answer has no "versions" list of spec versions');
          expect(check(report, 'client-api').fix).toContain("systemctl list-units 'matrix-*'");
          expect(report.failed).toBe(2);
        },
      ),
    );
  });

  it('follows an https redirect from the base domain to matrix.<domain>', async () => {
    const target = `https://matrix.${DOMAIN}/.well-known/matrix/server`;
    deployment.routes.set(`matrix.${DOMAIN}/.well-known/matrix/server`, {
      status: 200,
      body: JSON.stringify({ 'm.server': `matrix.${DOMAIN}:8448` }),
    });
    await withRoute(
      `${DOMAIN}/.well-known/matrix/server`,
      { status: 301, headers: { location: target } },
      async () => {
        const c = check(await verifyDeployment(config, options(deployment)), 'well-known-server');
        expect(c.status).toBe('ok');
        expect(c.detail).toBe(`m.server is matrix.${DOMAIN}:8448 (redirected to ${target})`);
      },
    );
  });

  it('refuses to follow a redirect to plain http', async () => {
    await withRoute(
      `${DOMAIN}/.well-known/matrix/client`,
      { status: 302, headers: { location: `http://${DOMAIN}/.well-known/matrix/client` } },
      async () => {
        const c = check(await verifyDeployment(config, options(deployment)), 'well-known-client');
        expect(c.status).toBe('fail');
        expect(c.detail).toBe(`redirects to http://${DOMAIN}/.well-known/matrix/client, which is not https`);
      },
    );
  });

  it('fails a federation certificate issued for another name, naming both', async () => {
    const report = await verifyDeployment(config, options(wrongName));
    const c = check(report, 'federation');
    expect(c.status).toBe('fail');
    expect(c.detail).toBe(`certificate is for wrong.example.org, not matrix.${DOMAIN}`);
    expect(c.fix).toContain("Let's Encrypt");
    expect(check(report, 'client-api').status).toBe('ok');
  });

  it('fails every check when the CA is not trusted', async () => {
    const report = await verifyDeployment(config, { ...options(deployment), ca: [] });
    expect(report.failed).toBe(report.checks.length);
    const c = check(report, 'client-api');
    expect(c.detail).toBe(
      'certificate issued by "matrix-oob test CA" is not trusted (UNABLE_TO_VERIFY_LEAF_SIGNATURE)',
    );
    expect(c.fix).toContain('--ca-file');
  });

  it('fails a closed federation port with a firewall fix', async () => {
    const port = await closedPort();
    const connectTo = [
      ...deployment.connectTo().filter((s) => !s.includes(':8448:')),
      `matrix.${DOMAIN}:8448:127.0.0.1:${port}`,
    ].map((s) => parseConnectTo(s)!);
    const report = await verifyDeployment(config, { ...options(deployment), connectTo });
    const c = check(report, 'federation');
    expect(c.detail).toBe(`matrix.${DOMAIN}:8448: connection refused (nothing listens on port 8448)`);
    expect(c.fix).toContain('open TCP port 8448');
    expect(report.failed).toBe(1);
  });

  it('gives up on a server that never answers, in parallel with the others', async () => {
    await withRoute(`matrix.${DOMAIN}/_matrix/client/versions`, { hang: true }, () =>
      withRoute(`element.${DOMAIN}/config.json`, { hang: true }, async () => {
        const started = Date.now();
        const report = await verifyDeployment(config, { ...options(deployment), timeoutMs: 1500 });
        const elapsed = Date.now() - started;
        expect(check(report, 'client-api').detail).toBe(`matrix.${DOMAIN}:443: no answer within 1.5 s`);
        expect(check(report, 'element').status).toBe('fail');
        // Two hanging checks cost one timeout, not two (in sequence they would take 3 s or more).
        expect(elapsed).toBeGreaterThanOrEqual(1400);
        expect(elapsed).toBeLessThan(2800);
      }),
    );
  });

  it("fails a base-domain certificate for another name, fixed on the base domain's own web server", async () => {
    // The base domain's own web server (serve_base_domain: false), with a certificate for another name.
    const { key, cert } = await ca.issue(['other.example.org']);
    const server = createServer({ key, cert }, (_req, res) => res.end('{}'));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      const port = (server.address() as AddressInfo).port;
      const connectTo = [`${DOMAIN}:443:127.0.0.1:${port}`].map((s) => parseConnectTo(s)!);
      const report = await verifyDeployment(elsewhere, {
        ...options(deployment),
        connectTo: [...options(deployment).connectTo!.filter((c) => c.host !== DOMAIN), ...connectTo],
      });
      const c = check(report, 'well-known-server');
      expect(c.detail).toBe(`certificate is for other.example.org, not ${DOMAIN}`);
      expect(c.fix).toBe(`give the web server of ${DOMAIN} a valid certificate for ${DOMAIN}`);
    } finally {
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    }
  });
});

describe('verify follows audio_video.stack', () => {
  const av = (stack: 'element-call' | 'jitsi' | 'both', extra: { jitsi_allow_anonymous?: boolean } = {}) =>
    ({
      ...config,
      homeserver: 'synapse',
      audio_video: { enabled: true, stack, jitsi_allow_anonymous: false, ...extra },
    }) as VerifyConfig;
  const ids = (r: Awaited<ReturnType<typeof verifyDeployment>>) => r.checks.map((c) => [c.id, c.status]);
  const core = [
    ['well-known-server', 'ok'],
    ['well-known-client', 'ok'],
    ['client-api', 'ok'],
    ['federation', 'ok'],
    ['element', 'ok'],
  ];

  it('checks the LiveKit focus and JWT service for Element Call, Jitsi and its login for jitsi, all for both', async () => {
    const [ec, jitsi, both] = await Promise.all(
      (['element-call', 'jitsi', 'both'] as const).map((s) => verifyDeployment(av(s), options(deployment))),
    );
    expect(ids(ec!)).toEqual([...core, ['rtc-foci', 'ok'], ['livekit-jwt', 'ok']]);
    expect(ids(jitsi!)).toEqual([...core, ['jitsi-web', 'ok'], ['jitsi-auth', 'ok']]);
    expect(ids(both!)).toEqual([
      ...core,
      ['rtc-foci', 'ok'],
      ['livekit-jwt', 'ok'],
      ['jitsi-web', 'ok'],
      ['jitsi-auth', 'ok'],
    ]);
    expect(check(ec!, 'rtc-foci').detail).toBe(
      `advertises LiveKit at https://matrix.${DOMAIN}/livekit-jwt-service`,
    );
    expect(check(jitsi!, 'jitsi-auth').detail).toBe(
      'meetings need a login (PLAIN, SCRAM-SHA-1; no anonymous login)',
    );
    // Audio/video off: no call checks at all.
    const off = await verifyDeployment(
      { ...av('both'), audio_video: { enabled: false } } as VerifyConfig,
      options(deployment),
    );
    expect(ids(off)).toEqual(core);
  });

  it('fails a Jitsi that offers anonymous logins, with the fix', async () => {
    const { boshRoute } = await import('../helpers/fake-deployment.js');
    await withRoute(`jitsi.${DOMAIN}/http-bind`, boshRoute(['PLAIN', 'ANONYMOUS']), async () => {
      const r = await verifyDeployment(av('jitsi'), options(deployment));
      const c = check(r, 'jitsi-auth');
      expect(c.status).toBe('fail');
      expect(c.detail).toBe(
        'Jitsi lets anyone start a meeting without logging in (anonymous XMPP login offered)',
      );
      expect(c.fix).toContain('jitsi_enable_auth: true');
      expect(r.ok).toBe(false);
      // The documented override skips the login check (and init warns about it instead).
      const open = await verifyDeployment(av('jitsi', { jitsi_allow_anonymous: true }), options(deployment));
      expect(open.checks.map((x) => x.id)).not.toContain('jitsi-auth');
      expect(open.ok).toBe(true);
    });
  });

  it('fails a client well-known without the LiveKit focus, fixed on the base domain when served elsewhere', async () => {
    await withRoute(
      `${DOMAIN}/.well-known/matrix/client`,
      {
        status: 200,
        headers: { 'content-type': 'application/json', 'access-control-allow-origin': '*' },
        body: JSON.stringify({ 'm.homeserver': { base_url: `https://matrix.${DOMAIN}` } }),
      },
      async () => {
        const ours = await verifyDeployment(av('element-call'), options(deployment));
        expect(check(ours, 'rtc-foci').status).toBe('fail');
        expect(check(ours, 'rtc-foci').detail).toContain('has no livekit entry');
        expect(check(ours, 'rtc-foci').fix).toContain('matrix_rtc_enabled');
        expect(check(ours, 'well-known-client').status).toBe('ok');
        const theirs = await verifyDeployment(
          { ...av('element-call'), serve_base_domain: false } as VerifyConfig,
          options(deployment),
        );
        expect(check(theirs, 'rtc-foci').fix).toContain(`on the web server of ${DOMAIN}`);
      },
    );
    await withRoute(`matrix.${DOMAIN}/livekit-jwt-service/healthz`, { status: 502 }, async () => {
      const r = await verifyDeployment(av('element-call'), options(deployment));
      expect(check(r, 'livekit-jwt').status).toBe('fail');
      expect(check(r, 'livekit-jwt').fix).toContain('matrix-livekit-jwt-service');
    });
  });
});
