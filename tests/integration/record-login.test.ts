import { existsSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { ensurePrivateDir } from '../../src/adapters/files.js';
import { makeCase } from '../helpers/case.js';
import { runCli } from '../helpers/cli.js';
import { closedPort } from '../helpers/fake-deployment.js';

// The recorder's login against a hostile or misdirected homeserver (loopback): what the server
// says is printed sanitised with the password masked, and a redirect is never followed (it would
// re-send the password wherever it points).
const PASSWORD = 'Recorder-password-0123456789';

describe('record: the login refused', () => {
  let server: Server;
  let url = '';
  let kase: { dir: string; cleanup(): Promise<void> };
  const hits: string[] = [];
  let answer: (res: import('node:http').ServerResponse, path: string) => void = () => {};

  beforeAll(async () => {
    server = createServer((req, res) => {
      hits.push(`${req.method} ${req.url}`);
      req.resume();
      req.on('end', () => answer(res, req.url ?? ''));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    kase = await makeCase({
      domain: 'rec.test',
      server: { address: '203.0.113.10' },
      users: [{ name: 'alice', admin: true }],
    });
    await ensurePrivateDir(join(kase.dir, 'credentials'));
    writeFileSync(join(kase.dir, 'credentials', 'recorder.txt'), `password: ${PASSWORD}\n`, { mode: 0o600 });
  });
  afterAll(async () => {
    await new Promise((r) => server.close(r));
    await kase?.cleanup();
  });

  const record = () =>
    runCli(['--case', kase.dir, 'record', '--once'], { env: { MATRIX_OOB_RECORD_URL: url } });

  it('prints what the server said sanitised, with the password masked', async () => {
    answer = (res) => {
      res.writeHead(403, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({ errcode: 'M_FORBIDDEN', error: `bad password ${PASSWORD} \u001b[31mred\u202e` }),
      );
    };
    const r = await record();
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toContain("the homeserver refused the recorder's login: M_FORBIDDEN bad password");
    expect(r.stderr).not.toContain(PASSWORD);
    // biome-ignore lint/suspicious/noControlCharactersInRegex: looking for terminal controls is the point
    expect(r.stderr).not.toMatch(/\u001b\[31m|\u202e/);
  });

  it('refuses a 200 answer that is not a Matrix login (a web page in front of the server), writing no session', async () => {
    answer = (res) => {
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end('<html>welcome</html>');
    };
    const r = await record();
    expect(r.stderr).toContain(
      `error: the answer of ${url} to the recorder's login is not a Matrix login (no user_id, device_id and access_token)`,
    );
    // The URL came from the environment: the hint names that, not an option that was never given.
    expect(r.stderr).toContain(
      'hint: check that the URL given by MATRIX_OOB_RECORD_URL (from the environment) is the homeserver itself',
    );
    expect(r.stderr).not.toContain('--homeserver-url');
    expect(r.stderr).not.toContain('internal error');
    expect(r.exitCode).toBe(1);
    expect(existsSync(join(kase.dir, 'record', 'recorder', 'session.json'))).toBe(false);
  });

  it('does not follow a redirect with the password', async () => {
    hits.length = 0;
    answer = (res) => {
      res.writeHead(307, { location: `${url}/elsewhere/_matrix/client/v3/login` });
      res.end();
    };
    const r = await record();
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toContain('cannot reach the homeserver');
    expect(hits).toEqual(['POST /_matrix/client/v3/login']);
  });

  it('a server that does not answer: says why (connection refused), as the other commands do', async () => {
    const port = await closedPort();
    const r = await runCli(['--case', kase.dir, 'record', '--once'], {
      env: { MATRIX_OOB_RECORD_URL: `http://127.0.0.1:${port}` },
    });
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toContain(
      `error: cannot reach the homeserver at http://127.0.0.1:${port}: connection refused`,
    );
    expect(r.stderr).not.toContain('fetch failed');
    // The URL came from MATRIX_OOB_RECORD_URL: the hint says so, not --homeserver-url.
    expect(r.stderr).toContain(
      'hint: check that the server is up ("matrix-oob verify") and the URL given by MATRIX_OOB_RECORD_URL (from the environment).',
    );
    expect(r.stderr).not.toContain('--homeserver-url');
  });

  it('a server that does not answer, its URL given by --homeserver-url: the hint names the option', async () => {
    const port = await closedPort();
    const r = await runCli([
      '--case',
      kase.dir,
      'record',
      '--once',
      '--homeserver-url',
      `http://127.0.0.1:${port}`,
    ]);
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toContain(
      `error: cannot reach the homeserver at http://127.0.0.1:${port}: connection refused`,
    );
    expect(r.stderr).toContain(
      'hint: check that the server is up ("matrix-oob verify") and the URL given by --homeserver-url.',
    );
    expect(r.stderr).not.toContain('MATRIX_OOB_RECORD_URL');
  });

  it('a server that fails after the login: one line naming it (exit 1), no stack, no terminal controls', async () => {
    answer = (res, path) => {
      res.writeHead(path.endsWith('/login') ? 200 : 500, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify(
          path.endsWith('/login')
            ? { user_id: '@recorder:rec.test', device_id: 'RECDEV', access_token: 'syt_token' }
            : { errcode: 'M_UNKNOWN', error: 'boom \u001b[31mred\u202e' },
        ),
      );
    };
    const r = await record();
    expect(r.stderr).toMatch(
      new RegExp(`^error: the homeserver at ${url} failed during the recording: .*\\[500\\] boom`, 'm'),
    );
    expect(r.stderr).toContain(
      'hint: check the server ("matrix-oob verify") and run "matrix-oob record" again',
    );
    expect(r.stderr).not.toContain('internal error');
    // What the server said reaches the terminal only as printable text, also in the SDK's own warnings.
    // biome-ignore lint/suspicious/noControlCharactersInRegex: looking for terminal controls is the point
    expect(r.stderr).not.toMatch(/\u001b\[31m|\u202e/);
    expect(r.exitCode).toBe(1);
  });
});
