import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseDocument } from 'yaml';
import { casePaths } from '../../src/case/paths.js';
import { validateConfig } from '../../src/config/validate.js';
import { addressProblem, addressWarnings, checkDomain } from '../../src/config/validators.js';
import { describeYamlError } from '../../src/config/yaml-error.js';
import { recordsToCreate, zoneFileLines } from '../../src/dns/zone-file.js';
import { ExitError, FailureError, UserError } from '../../src/errors.js';
import { main, reportError, wantsJson } from '../../src/index.js';
import { memoryOutput } from '../../src/ui/output.js';
import { cardHeadline, gatherCard, renderCard } from '../../src/up/card.js';
import { resumeCommand, stoppedAt } from '../../src/up/resume.js';
import { changeLines } from '../../src/wizard/summary.js';

// Issue #10, the first hour of an incident: the pure parts (the CLI parts: tests/e2e/first-hour).

const config = (extra: Record<string, unknown> = {}) =>
  validateConfig({ domain: 'example.com', server: { address: '203.0.113.10' }, ...extra }).config;

describe('1: every failure names the command that continues', () => {
  const flags = {
    yes: true,
    json: false,
    dnsTimeout: '30m',
    dnsInterval: '10s',
    skipDnsCheck: true,
    skipHook: ['10-verify'],
    ansibleArgs: ['-v'],
  };
  it('resumes the case by its folder, with the original flags', () => {
    expect(resumeCommand('/cases/ir 1', { ...flags, fingerprint: 'SHA256:abc' })).toBe(
      "matrix-oob up --case '/cases/ir 1' --yes --fingerprint SHA256:abc --skip-dns-check --skip-hook 10-verify -- -v",
    );
    expect(resumeCommand('/c', { ...flags, dnsTimeout: '1h', skipHook: [], ansibleArgs: [] })).toBe(
      'matrix-oob up --case /c --yes --dns-timeout 1h --skip-dns-check',
    );
  });
  it('a failed step carries it as the hint line and as "next"', () => {
    const err = stoppedAt('doctor', new FailureError('doctor found 1 problem'), {
      interrupted: false,
      resume: 'matrix-oob up --case /c --yes',
      data: { stopped_at: 'doctor' },
    }) as UserError;
    expect(err.next).toBe('matrix-oob up --case /c --yes');
    expect(err.details.at(-1)).toContain(
      'up stopped at step doctor (5/12); the "next:" command resumes it (finished steps are skipped)',
    );
    expect(err.data).toEqual({ stopped_at: 'doctor' });
  });
});

describe('2: the records to create, offline', () => {
  it('lists every record the check verifies, as a table and zone-file lines', () => {
    const records = recordsToCreate(config({ server: { address: '203.0.113.10', ipv6: '2001:db8::10' } }));
    expect(records.map((r) => `${r.name} ${r.type} ${r.value}`)).toEqual([
      'matrix.example.com A 203.0.113.10',
      'matrix.example.com AAAA 2001:db8::10',
      'element.example.com A 203.0.113.10',
      'example.com A 203.0.113.10',
    ]);
    expect(zoneFileLines(records)[0]).toBe('matrix.example.com.   300  IN  A      203.0.113.10');
  });
  it('SRV delegation and a host name as the address', () => {
    // A case config refuses srv_delegation: true (issue 8); the records code still knows SRV.
    const srv = recordsToCreate({
      ...config({ element: false, serve_base_domain: false }),
      srv_delegation: true,
    });
    expect(zoneFileLines(srv)).toContain(
      '_matrix-fed._tcp.example.com.  300  IN  SRV    10 0 8448 matrix.example.com.',
    );
    const host = recordsToCreate(config({ server: { address: 'vps1.provider.net' } }));
    expect(host[0]).toMatchObject({ name: 'matrix.example.com', type: 'CNAME', value: 'vps1.provider.net' });
    expect(host.at(-1)).toMatchObject({
      name: 'example.com',
      type: 'A',
      value: '<address of vps1.provider.net>',
    });
  });
});

describe('3: the card tells the truth', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'mxoob-card-'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('a failed check from outside: deployed but not reachable, fix first, hand out later', async () => {
    const cfg = config({ users: [{ name: 'lead', admin: true }] });
    const paths = casePaths(dir, cfg.domain);
    await mkdir(paths.credentialsDir, { recursive: true });
    await writeFile(join(paths.credentialsDir, 'lead.txt'), 'user: @lead:example.com\n');
    const card = await gatherCard(cfg, paths, {
      hookFailures: [
        { event: 'post-start', hook: '10-verify' },
        { event: 'post-users', hook: '10-control-room' },
      ],
    });
    expect(card.verified).toBe('failed');
    expect(cardHeadline(card)).toContain('deployed, but NOT reachable from outside');
    expect(renderCard(card, false)).not.toContain(' is up');
    expect(card.next_steps[0]).toContain(`matrix-oob verify --case ${dir}`);
    expect(card.next_steps[0]).not.toMatch(/^Hand/);
    expect(card.next_steps[1]).toContain('only once it passes');
    // An admin exists: the room is missing because the hook failed, not for want of an admin.
    expect(card.control_room_note).toContain('the 10-control-room hook failed');
    expect(card.control_room_note).not.toContain('admin');
  });
  it('a skipped check says so; a passing one says the server answers from outside', async () => {
    const cfg = config();
    const paths = casePaths(dir, cfg.domain);
    const skipped = await gatherCard(cfg, paths, { hookFailures: [], skippedHooks: ['10-verify.sh'] });
    expect(cardHeadline(skipped)).toBe(
      'Matrix for example.com is up (not checked from outside: 10-verify was skipped)',
    );
    expect(skipped.next_steps[0]).toContain('matrix-oob verify --case');
    const ok = await gatherCard(cfg, paths, { hookFailures: [] });
    expect(cardHeadline(ok)).toBe('Matrix for example.com is up and answers from outside');
    expect(ok.control_room_note).toContain('no user is an admin');
  });
});

describe('5: the wizard shows what changes', () => {
  it('one line per changed answer, none when nothing changes', () => {
    const before = { domain: 'example.com', server: { address: '203.0.113.10', ipv6: '2001:db8::1' } };
    expect(changeLines(before, before)).toEqual([]);
    const lines = changeLines(before, { domain: 'example.com', server: { address: '203.0.113.10' } });
    expect(lines).toEqual(['  IPv6: 2001:db8::1 -> none']);
  });
});

describe('7: non-public addresses', () => {
  it('warns for private, loopback and link-local addresses, naming what will not work', () => {
    for (const [address, kind] of [
      ['10.0.0.5', 'private'],
      ['127.0.0.1', 'loopback'],
      ['100.64.1.1', 'carrier-grade NAT'],
    ] as const) {
      const [w] = addressWarnings({ server: { address } });
      expect(w).toContain(`server.address: ${address} is a ${kind} address`);
      expect(w).toContain("Let's Encrypt cannot issue certificates");
      expect(w).toContain('cannot federate');
      expect(w).toContain('calls');
    }
    expect(addressWarnings({ server: { address: '203.0.113.10', ipv6: 'fe80::1' } })).toEqual([
      expect.stringContaining('server.ipv6: fe80::1 is a link-local address'),
    ]);
    expect(addressWarnings({ server: { address: '203.0.113.10', ipv6: '2001:db8::1' } })).toEqual([]);
    expect(addressWarnings({ server: { address: 'vps.example.net' } })).toEqual([]);
  });
});

describe('9: one --json failure shape', () => {
  it('every kind of failure gives {ok: false, error, hint, next}', () => {
    const out = memoryOutput();
    const code = reportError(
      new UserError('bad', { hint: 'fix it', next: 'matrix-oob up --case /c', data: { stopped_at: 'dns' } }),
      out,
      { json: true },
    );
    expect(code).toBe(2);
    expect(JSON.parse(out.stdout[0]!)).toEqual({
      stopped_at: 'dns',
      ok: false,
      error: 'bad',
      hint: 'fix it',
      next: 'matrix-oob up --case /c',
      exit_code: 2,
    });
    const quiet = memoryOutput();
    expect(reportError(new ExitError(3, { error: 'DNS is not ready' }), quiet, { json: true })).toBe(3);
    expect(JSON.parse(quiet.stdout[0]!)).toMatchObject({ ok: false, error: 'DNS is not ready', hint: null });
    // A command that printed its own document gets no second one.
    const printed = memoryOutput();
    reportError(new ExitError(1), printed, { json: true, printed: true });
    expect(printed.stdout).toEqual([]);
  });
  it('--json after "--" belongs to ansible-playbook', () => {
    expect(wantsJson(['deploy', '--', '--json'])).toBe(false);
    expect(wantsJson(['deploy', '--json'])).toBe(true);
  });
  it('a usage error prints the document too', async () => {
    const out = memoryOutput();
    const origErr = process.stderr.write;
    process.stderr.write = () => true; // commander writes its own line
    try {
      expect(await main(['--json', 'no-such-command'], out)).toBe(2);
    } finally {
      process.stderr.write = origErr;
    }
    expect(JSON.parse(out.stdout.join(''))).toMatchObject({
      ok: false,
      error: "unknown command 'no-such-command'",
    });
  });
});

describe('12: messages', () => {
  it('a user ID or an e-mail as the domain', () => {
    expect(checkDomain('@lead1:example.com').error).toBe(
      '"@lead1:example.com" is a user ID, not a domain: the domain is the part after the colon, write "example.com"',
    );
    expect(checkDomain('soc@example.com').error).toContain('write just the part after it, "example.com"');
  });
  it('the server address: a port, a login, nothing', () => {
    expect(addressProblem('203.0.113.10:22')).toBe(
      '"203.0.113.10:22" includes a port: give the address only, "203.0.113.10" (the SSH port is asked next, or --ssh-port 22)',
    );
    expect(addressProblem('[2001:db8::1]:2222')).toContain('give the address only, "2001:db8::1"');
    expect(addressProblem('root@203.0.113.10')).toBe(
      '"root@203.0.113.10" includes the SSH login "root@": give the address only, "203.0.113.10" (the login is asked next, or --ssh-user root)',
    );
    expect(addressProblem('')).toContain('is empty');
    expect(addressProblem('2001:db8::1')).toBeUndefined();
  });
  it('type errors in the config are said in YAML terms, with the value', () => {
    const err = (() => {
      try {
        validateConfig({ domain: 'example.com', server: { address: '203.0.113.10' }, audio_video: true });
      } catch (e) {
        return e as UserError;
      }
    })();
    expect(err?.details).toEqual([
      'audio_video: must be a mapping (indented "key: value" lines under it), got true: see docs/config.md for this field',
    ]);
  });
  it('an unclosed quote is placed where it opens', () => {
    const text = 'a: 1\nb: "unclosed\nc: 3\nd: 4\n';
    const doc = parseDocument(text);
    expect(describeYamlError(doc.errors[0]!, text)).toMatchObject({ line: 2, column: 4 });
  });
});
