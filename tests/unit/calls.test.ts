import { parse } from 'yaml';
import { callServices, defaultCallStack, stackProblem } from '../../src/config/calls.js';
import { validateConfig } from '../../src/config/validate.js';
import { existingJitsiAccounts, jitsiAccountsFor } from '../../src/inventory/jitsi-accounts.js';
import { renderVars, turnAddresses } from '../../src/inventory/render.js';
import { parseVarsDocument } from '../../src/inventory/yaml-doc.js';
import { configProblemsOrNone } from '../helpers/config-problems.js';

const base = {
  domain: 'example.com',
  server: { address: '203.0.113.10' },
  users: [{ name: 'lead', admin: true }, { name: 'analyst1' }],
};
const secrets = {
  matrix_homeserver_generic_secret_key: 'a'.repeat(64),
  postgres_connection_password: 'b'.repeat(64),
};
const problems = configProblemsOrNone;

async function vars(audioVideo: Record<string, unknown>, extra: Record<string, unknown> = {}) {
  const { config } = validateConfig({ ...base, ...extra, audio_video: audioVideo });
  const accounts = jitsiAccountsFor(
    config.users.map((u) => u.name),
    new Map(),
  ).accounts;
  return parse(
    await renderVars(config, { secrets, migrationVersion: 'v2026.05.18.0', jitsiAccounts: accounts }),
  );
}

describe('audio_video.stack', () => {
  it('defaults to Element Call on synapse and to Jitsi elsewhere', () => {
    expect(defaultCallStack('synapse')).toBe('element-call');
    expect(defaultCallStack('dendrite')).toBe('jitsi');
    const { config } = validateConfig({ ...base, homeserver: 'conduit', audio_video: { enabled: true } });
    expect(config.audio_video.stack).toBe('jitsi');
  });

  it('refuses Element Call on a homeserver that cannot run it, naming the field and the fix', () => {
    expect(stackProblem('both', 'dendrite')).toContain('runs only on synapse');
    expect(
      problems({ ...base, homeserver: 'dendrite', audio_video: { enabled: true, stack: 'element-call' } }),
    ).toEqual([
      expect.stringMatching(
        /^audio_video\.stack: "element-call" needs Element Call, which runs only on synapse/,
      ),
    ]);
    expect(problems({ ...base, audio_video: { enabled: true, stack: 'teams' } })).toEqual([
      expect.stringMatching(/^audio_video\.stack: must be one of element-call, jitsi, both/),
    ]);
    // A stack with audio/video off is not an error: nothing runs.
    expect(
      problems({ ...base, homeserver: 'dendrite', audio_video: { enabled: false, stack: 'both' } }),
    ).toEqual([]);
  });

  it('decides the services: Jitsi always with logins and coturn, unless the documented override opens it', () => {
    const s = (av: Record<string, unknown>) =>
      callServices({ homeserver: 'synapse', audio_video: { enabled: true, ...av } as never });
    expect(s({ stack: 'element-call' })).toEqual({
      elementCall: true,
      jitsi: false,
      coturn: false,
      jitsiAuth: false,
    });
    expect(s({ stack: 'jitsi' })).toEqual({ elementCall: false, jitsi: true, coturn: true, jitsiAuth: true });
    expect(s({ stack: 'both' })).toEqual({ elementCall: true, jitsi: true, coturn: true, jitsiAuth: true });
    expect(s({ stack: 'jitsi', jitsi_allow_anonymous: true }).jitsiAuth).toBe(false);
    expect(callServices({ homeserver: 'synapse', audio_video: { enabled: false, stack: 'both' } })).toEqual({
      elementCall: false,
      jitsi: false,
      coturn: false,
      jitsiAuth: false,
    });
  });

  it('warns when Jitsi is opened to anyone, and only then', () => {
    const open = validateConfig({
      ...base,
      audio_video: { enabled: true, stack: 'jitsi', jitsi_allow_anonymous: true },
    });
    expect(open.warnings).toEqual([
      expect.stringMatching(/^audio_video\.jitsi_allow_anonymous: Jitsi will let anyone/),
    ]);
    expect(validateConfig({ ...base, audio_video: { enabled: true, stack: 'jitsi' } }).warnings).toEqual([]);
  });
});

describe('vars.yml for each stack', () => {
  it('element-call turns on MatrixRTC only: no Jitsi, no coturn', async () => {
    const v = await vars({ enabled: true, stack: 'element-call' });
    expect(v).toMatchObject({ matrix_rtc_enabled: true, jitsi_enabled: false });
    expect(Object.keys(v).filter((k) => /^(jitsi_(?!enabled)|coturn_)/.test(k))).toEqual([]);
  });

  it('jitsi requires logins (internal accounts, no guests) and announces the TURN addresses, IPv6 too', async () => {
    const v = await vars(
      { enabled: true, stack: 'jitsi' },
      { server: { address: '203.0.113.10', ipv6: '2001:db8::10' } },
    );
    expect(v).toMatchObject({
      matrix_rtc_enabled: false,
      jitsi_enabled: true,
      jitsi_enable_auth: true,
      jitsi_auth_type: 'internal',
      jitsi_enable_guests: false,
      coturn_enabled: true,
      coturn_turn_external_ip_addresses: ['203.0.113.10', '2001:db8::10'],
    });
    expect(v.jitsi_prosody_auth_internal_accounts.map((a: { username: string }) => a.username)).toEqual([
      'lead',
      'analyst1',
    ]);
  });

  it('both writes both; audio/video off writes both switches off and nothing else', async () => {
    expect(await vars({ enabled: true, stack: 'both' })).toMatchObject({
      matrix_rtc_enabled: true,
      jitsi_enabled: true,
    });
    const off = await vars({ enabled: false });
    expect(off).toMatchObject({ matrix_rtc_enabled: false, jitsi_enabled: false });
    expect(off.jitsi_enable_auth).toBeUndefined();
    expect(off.coturn_enabled).toBeUndefined();
  });

  it('the override writes jitsi_enable_auth: false with a comment saying so, and no accounts', async () => {
    const v = await vars({ enabled: true, stack: 'jitsi', jitsi_allow_anonymous: true });
    expect(v.jitsi_enable_auth).toBe(false);
    expect(v.jitsi_prosody_auth_internal_accounts).toBeUndefined();
  });

  it('turnAddresses takes an IPv6 server address too, without duplicates', () => {
    expect(
      turnAddresses({
        audio_video: {
          enabled: true,
          stack: 'jitsi',
          external_ip: '198.51.100.1',
          jitsi_allow_anonymous: false,
        },
        server: { address: '2001:db8::1', ssh_user: 'root', ssh_port: 22, become: false },
      }),
    ).toEqual(['198.51.100.1', '2001:db8::1']);
  });
});

describe('Jitsi accounts', () => {
  it('keeps every existing password byte-for-byte and generates only for new users', () => {
    const doc = parseVarsDocument(
      'jitsi_prosody_auth_internal_accounts:\n  - {username: lead, password: "Kept-Pass_1"}\n  - {username: gone, password: old}\n',
    );
    const existing = existingJitsiAccounts(doc);
    const { accounts, created } = jitsiAccountsFor(['lead', 'analyst1'], existing);
    expect(accounts[0]).toEqual({ username: 'lead', password: 'Kept-Pass_1' });
    expect(accounts[1]!.username).toBe('analyst1');
    expect(accounts[1]!.password).toMatch(/^[A-Za-z0-9]{32}$/);
    expect(created).toEqual(['analyst1']);
    // A user no longer in the case has no account any more.
    expect(accounts.map((a) => a.username)).not.toContain('gone');
  });

  it('reads nothing from a file without the list or with a malformed one', () => {
    expect(existingJitsiAccounts(undefined).size).toBe(0);
    expect(
      existingJitsiAccounts(parseVarsDocument('jitsi_prosody_auth_internal_accounts: nope\n')).size,
    ).toBe(0);
    expect(
      existingJitsiAccounts(parseVarsDocument('jitsi_prosody_auth_internal_accounts: [{username: a}]\n'))
        .size,
    ).toBe(0);
  });
});

describe('credentials with a Jitsi login', () => {
  it('hands each user their Jitsi login beside the Matrix one, and only when Jitsi requires it', async () => {
    const { credentialsFor, formatCredentials, parseCredentials } = await import(
      '../../src/case/credentials.js'
    );
    const cfg = { domain: 'example.com', element: true };
    const text = formatCredentials(
      credentialsFor(cfg, 'lead', 'matrix-pass-123', true, 'JitsiPass0123456789'),
    );
    const fields = parseCredentials(text) as Record<string, string>;
    expect(fields).toMatchObject({
      user_id: '@lead:example.com',
      password: 'matrix-pass-123',
      jitsi: 'https://jitsi.example.com',
      jitsi_username: 'lead',
      jitsi_password: 'JitsiPass0123456789',
    });
    expect(formatCredentials(credentialsFor(cfg, 'lead', 'matrix-pass-123', true))).not.toContain('jitsi');
  });

  it('reads the Jitsi passwords init wrote into vars.yml, and nothing from a missing file', async () => {
    const { mkdtemp, writeFile, rm } = await import('node:fs/promises');
    const { join } = await import('node:path');
    const { tmpdir } = await import('node:os');
    const { readJitsiPasswords } = await import('../../src/inventory/jitsi-accounts.js');
    const dir = await mkdtemp(join(tmpdir(), 'oob-jitsi-'));
    try {
      const v = await vars({ enabled: true, stack: 'jitsi' });
      const file = join(dir, 'vars.yml');
      const { stringify } = await import('yaml');
      await writeFile(file, stringify(v));
      const read = await readJitsiPasswords(file);
      expect([...read.keys()]).toEqual(['lead', 'analyst1']);
      expect(read.get('lead')).toMatch(/^[A-Za-z0-9]{32}$/);
      expect((await readJitsiPasswords(join(dir, 'none.yml'))).size).toBe(0);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('Jitsi logins need users', () => {
  it('refuses Jitsi with logins and no users (MDAD refuses internal auth without accounts)', () => {
    expect(problems({ ...base, users: [], audio_video: { enabled: true, stack: 'jitsi' } })).toEqual([
      expect.stringMatching(
        /^users: is empty, but Jitsi requires a login and its accounts are the case users/,
      ),
    ]);
    expect(problems({ ...base, users: [], audio_video: { enabled: true, stack: 'element-call' } })).toEqual(
      [],
    );
  });
});
