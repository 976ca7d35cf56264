import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { parse } from 'yaml';
import { BIN, ROOT, runCli, tempDir } from '../helpers/cli.js';
import { KEY, type Pty, spawnPty } from '../helpers/pty.js';

/** A terminal session: no CI (which would turn prompts off), no colour. */
function terminalEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1', TERM: 'xterm', ...extra };
  if (!('CI' in extra)) delete env.CI;
  delete env.MATRIX_OOB_CASE;
  return env;
}

const SECRET = /^(matrix_homeserver_generic_secret_key|postgres_connection_password): "([^"]*)"$/gm;

/** vars.yml with the secret values replaced; the values themselves are checked here. */
function varsWithoutSecrets(text: string): string {
  let count = 0;
  const out = text.replace(SECRET, (_line, key: string, value: string) => {
    expect(value).toMatch(/^[A-Za-z0-9]{64}$/);
    count++;
    return `${key}: "<secret>"`;
  });
  // Jitsi passwords (one per user, generated like the other secrets).
  const masked = out.replace(/("password": )"[A-Za-z0-9]{32}"/g, '$1"<secret>"');
  expect(count).toBe(2);
  return masked;
}

function caseFiles(dir: string) {
  return {
    config: readFileSync(join(dir, 'matrix-oob.yml'), 'utf8'),
    hosts: readFileSync(join(dir, 'inventory/hosts'), 'utf8'),
    vars: readFileSync(join(dir, 'inventory/host_vars/matrix.example.org/vars.yml'), 'utf8'),
  };
}

describe('init wizard on a real terminal', () => {
  const tmp = tempDir('matrix-oob-wizard-e2e-');
  const ptys: Pty[] = [];
  afterAll(() => {
    for (const p of ptys) p.kill();
    tmp.cleanup();
  });

  function wizard(cwd: string, args: readonly string[], env = terminalEnv()): Pty {
    const pty = spawnPty('node', [BIN, 'init', ...args], { cwd, env });
    ptys.push(pty);
    return pty;
  }

  it('writes the same case as the equivalent config file', async () => {
    const fixture = join(ROOT, 'tests/fixtures/mdad');
    const pty = wizard(tmp.dir, ['wizard-case']);
    await pty.answer('Base domain', `example.org${KEY.enter}`);
    await pty.answer('Server address', `198.51.100.7${KEY.enter}`);
    await pty.answer('SSH login on the server: (root)', `deploy${KEY.enter}`);
    await pty.answer('SSH port: (22)', `2222${KEY.enter}`);
    await pty.answer('use sudo (become)', KEY.enter);
    await pty.answer('IPv6 address', `2001:db8::7${KEY.enter}`);
    await pty.answer('Homeserver:', `${KEY.down}${KEY.enter}`); // dendrite
    await pty.answer('Element Web at element.example.org?', KEY.enter);
    await pty.answer('Serve example.org itself from this server', `n${KEY.enter}`);
    await pty.answer('audio/video', `y${KEY.enter}`);
    // An invalid answer shows the validator's message inline, then the prompt accepts a good one.
    await pty.answer('for TURN (audio/video relay): (198.51.100.7)', `300.1.1.1${KEY.enter}`);
    await pty.waitFor('"300.1.1.1" is not an IPv4 address (like 203.0.113.10)');
    for (let i = 0; i < '300.1.1.1'.length; i++) pty.send('\x7f');
    pty.send(`192.0.2.7${KEY.enter}`);
    await pty.answer("Let's Encrypt", `soc@example.org${KEY.enter}`);
    await pty.answer('First Matrix user', `lead${KEY.enter}`);
    await pty.answer('Make lead an admin? (Y/n)', KEY.enter);
    await pty.answer('Add another user?', `y${KEY.enter}`);
    await pty.answer('Name of user 2', `analyst2${KEY.enter}`);
    await pty.answer('Make analyst2 an admin? (y/N)', KEY.enter);
    await pty.answer('Add another user?', KEY.enter);
    await pty.answer('matrix-docker-ansible-deploy checkout', `${relative(tmp.dir, fixture)}${KEY.enter}`);
    await pty.waitFor('Summary:');
    await pty.answer('Write the case folder with these settings?', KEY.enter);
    expect(await pty.exit).toBe(0);

    writeFileSync(
      join(tmp.dir, 'equivalent.yml'),
      [
        'domain: example.org',
        'server: { address: 198.51.100.7, ssh_user: deploy, ssh_port: 2222, ipv6: "2001:db8::7" }',
        'homeserver: dendrite',
        'serve_base_domain: false',
        'audio_video: { enabled: true, external_ip: 192.0.2.7 }',
        'letsencrypt_email: soc@example.org',
        'users: [{ name: lead, admin: true }, { name: analyst2 }]',
        `playbook: { path: ${JSON.stringify(fixture)} }`,
        '',
      ].join('\n'),
    );
    const scripted = await runCli(['init', '--config', 'equivalent.yml', '--yes', 'file-case'], {
      cwd: tmp.dir,
    });
    expect(scripted.stderr).not.toContain('error');
    expect(scripted.exitCode).toBe(0);

    const fromWizard = caseFiles(join(tmp.dir, 'wizard-case'));
    const fromFile = caseFiles(join(tmp.dir, 'file-case'));
    expect(fromWizard.config).toBe(fromFile.config);
    expect(fromWizard.config).toContain(`path: ${fixture}`);
    expect(fromWizard.hosts).toBe(fromFile.hosts);
    expect(varsWithoutSecrets(fromWizard.vars)).toBe(varsWithoutSecrets(fromFile.vars));

    // The wizard's matrix-oob.yml replays the case: same files, secrets kept.
    const replay = await runCli(['init', '--config', 'wizard-case/matrix-oob.yml', '--yes'], {
      cwd: tmp.dir,
    });
    expect(replay.exitCode).toBe(0);
    const replayed = caseFiles(join(tmp.dir, 'wizard-case'));
    expect(replayed.config).toBe(fromWizard.config);
    expect(replayed.hosts).toBe(fromWizard.hosts);
    // Same values and secrets (the re-run's YAML merge may reformat a flow list's spacing).
    expect(parse(replayed.vars)).toEqual(parse(fromWizard.vars));
  });

  it('Ctrl-C mid-wizard exits 130 and writes nothing', async () => {
    const { dir, cleanup } = tempDir('matrix-oob-wizard-ctrlc-');
    try {
      const pty = wizard(dir, ['interrupted-case']);
      await pty.answer('Base domain', `example.org${KEY.enter}`);
      await pty.answer('Server address', `198.51.100.7${KEY.enter}`);
      await pty.answer('SSH login on the server', KEY.enter);
      await pty.waitFor('SSH port');
      pty.send(KEY.ctrlC);
      expect(await pty.exit).toBe(130);
      expect(pty.output()).toContain('interrupted before anything was written.');
      expect(readdirSync(dir)).toEqual([]);
    } finally {
      cleanup();
    }
  });

  it('Ctrl-C at the final confirmation writes nothing either', async () => {
    const { dir, cleanup } = tempDir('matrix-oob-wizard-ctrlc-');
    try {
      const pty = wizard(dir, [
        '--domain',
        'example.org',
        '--address',
        '198.51.100.7',
        '--user',
        'lead:admin',
      ]);
      for (const q of [
        'SSH login',
        'SSH port',
        'IPv6',
        'Homeserver',
        'Element',
        'itself from this server',
        'audio/video',
      ]) {
        await pty.answer(q, KEY.enter);
      }
      await pty.answer("Let's Encrypt", KEY.enter);
      await pty.answer('checkout', KEY.enter);
      await pty.waitFor('Write the case folder');
      pty.send(KEY.ctrlC);
      expect(await pty.exit).toBe(130);
      expect(pty.output()).not.toContain('First Matrix user'); // --user answered it
      expect(readdirSync(dir)).toEqual([]);
    } finally {
      cleanup();
    }
  });

  it('CI set on a terminal: never prompts; a missing value is exit 2 naming the flag', async () => {
    const pty = wizard(tmp.dir, ['ci-case'], terminalEnv({ CI: 'true' }));
    expect(await pty.exit).toBe(2);
    const out = pty.output();
    expect(out).toContain(
      'missing domain and server address: pass --domain example.com --address 203.0.113.10 or use --config FILE',
    );
    expect(out).toContain('not asking because CI is set');
    expect(out).not.toContain('Base domain'); // no question was asked
    expect(existsSync(join(tmp.dir, 'ci-case'))).toBe(false);
  });
});

describe('init wizard without a terminal', () => {
  it('never waits for input: exit 2 naming each missing value', async () => {
    const { dir, cleanup } = tempDir();
    try {
      const r = await runCli(['init', 'some-case'], { cwd: dir, env: { CI: '' } });
      expect(r.exitCode).toBe(2);
      expect(r.stderr).toContain(
        'error: missing domain and server address: pass --domain example.com --address 203.0.113.10 or use --config FILE\n',
      );
      expect(r.stderr).toContain('not asking because stdin is not a terminal');
      expect(readdirSync(dir)).toEqual([]);
    } finally {
      cleanup();
    }
  });

  it('with --yes and the required flags, writes a case from defaults', async () => {
    const { dir, cleanup } = tempDir();
    try {
      const r = await runCli(['init', '--yes', '--domain', 'example.org', '--address', '198.51.100.7', 'c'], {
        cwd: dir,
      });
      expect(r.exitCode).toBe(0);
      const config = readFileSync(join(dir, 'c/matrix-oob.yml'), 'utf8');
      expect(config).toContain('ssh_user: root');
      expect(config).toContain('homeserver: synapse');
    } finally {
      cleanup();
    }
  });
});
