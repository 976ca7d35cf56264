import { resolve } from 'node:path';
import type { RawConfig } from '../../src/commands/init/flags.js';
import { flagsToConfig } from '../../src/commands/init/flags.js';
import { validateConfig } from '../../src/config/validate.js';
import {
  addressProblem,
  checkDomain,
  emailProblem,
  ipv4Problem,
  ipv6Problem,
  localpartProblem,
  portProblem,
  sshUserProblem,
} from '../../src/config/validators.js';
import { UserError } from '../../src/errors.js';
import { reportError } from '../../src/index.js';
import { memoryOutput } from '../../src/ui/output.js';
import { interactivity, runWizard, STEPS } from '../../src/wizard/index.js';
import { homeserverChoices } from '../../src/wizard/steps.js';
import { type Answer, ENTER, type FakePrompt, fakePrompt } from '../helpers/fake-prompt.js';

type Script = readonly (readonly [string, Answer])[];

async function wizard(script: Script, preset: RawConfig = {}, interactive = true) {
  const prompt = fakePrompt(script);
  const out = memoryOutput();
  const config = await runWizard({ preset, prompt, interactive, out });
  prompt.done();
  return { config, prompt, out };
}

/** Every question, answered by pressing Enter where a default exists. */
const MINIMAL: Script = [
  ['domain', 'example.com'],
  ['server.address', '203.0.113.10'],
  ['server.ssh_user', ENTER],
  ['server.ssh_port', ENTER],
  ['server.ipv6', ENTER],
  ['homeserver', ENTER],
  ['element', ENTER],
  ['serve_base_domain', ENTER],
  ['audio_video.enabled', ENTER],
  ['letsencrypt_email', ENTER],
  ['users[0].name', ENTER],
  ['playbook.path', ENTER],
  ['confirm', ENTER],
];

/** The config of example.com at 203.0.113.10 with every default taken. */
const DEFAULT_CONFIG = {
  domain: 'example.com',
  server: { address: '203.0.113.10', ssh_user: 'root', ssh_port: 22 },
  homeserver: 'synapse',
  element: true,
  serve_base_domain: true,
  audio_video: { enabled: false },
  users: [],
};

const names = (p: FakePrompt) => p.asked.map((a) => a.name);

describe('wizard: order and defaults', () => {
  it('declares its steps in the documented order', () => {
    expect(STEPS.map((s) => s.name)).toEqual([
      'domain',
      'server.address',
      'server.ssh_user',
      'server.ssh_port',
      'server.become',
      'server.ipv6',
      'homeserver',
      'element',
      'serve_base_domain',
      'audio_video',
      'letsencrypt_email',
      'users',
      'playbook',
    ]);
  });

  it('asks every question in order; Enter takes the declared defaults', async () => {
    const { config, prompt, out } = await wizard(MINIMAL);
    expect(names(prompt)).toEqual(MINIMAL.map(([n]) => n));
    expect(config).toEqual(DEFAULT_CONFIG);
    const defaults = Object.fromEntries(prompt.asked.map((a) => [a.name, a.default]));
    expect(defaults).toMatchObject({
      'server.ssh_user': 'root',
      'server.ssh_port': '22',
      homeserver: 'synapse',
      element: true,
      serve_base_domain: true,
      'audio_video.enabled': false,
      confirm: true,
    });
    expect(out.stderr.join('\n')).toContain('Summary:');
    expect(validateConfig(config).config.domain).toBe('example.com');
  });

  it('a full answer set gives a config that validates to what was typed', async () => {
    const { config, prompt } = await wizard([
      ['domain', 'example.org'],
      ['server.address', '198.51.100.7'],
      ['server.ssh_user', 'deploy'],
      ['server.ssh_port', '2222'],
      ['server.become', ENTER],
      ['server.ipv6', '2001:db8::7'],
      ['homeserver', 'dendrite'],
      ['element', false],
      ['serve_base_domain', false],
      ['audio_video.enabled', true],
      ['audio_video.external_ip', ENTER],
      ['letsencrypt_email', 'soc@example.org'],
      ['users[0].name', 'lead'],
      ['users[0].admin', ENTER],
      ['users[0].another', true],
      ['users[1].name', 'analyst2'],
      ['users[1].admin', ENTER],
      ['users[1].another', ENTER],
      ['playbook.path', 'tests/fixtures/mdad'],
      ['confirm', true],
    ]);
    expect(config).toEqual({
      domain: 'example.org',
      server: {
        address: '198.51.100.7',
        ssh_user: 'deploy',
        ssh_port: 2222,
        become: true,
        ipv6: '2001:db8::7',
      },
      homeserver: 'dendrite',
      element: false,
      serve_base_domain: false,
      // dendrite cannot run Element Call: jitsi is the only stack, so it is not asked.
      audio_video: { enabled: true, stack: 'jitsi', external_ip: '198.51.100.7' },
      letsencrypt_email: 'soc@example.org',
      users: [
        { name: 'lead', admin: true },
        { name: 'analyst2', admin: false },
      ],
      playbook: { path: resolve('tests/fixtures/mdad') },
    });
    // The first user defaults to admin, later ones do not.
    const byName = Object.fromEntries(prompt.asked.map((a) => [a.name, a.default]));
    expect(byName['users[0].admin']).toBe(true);
    expect(byName['users[1].admin']).toBe(false);
    expect(byName['audio_video.external_ip']).toBe('198.51.100.7');
    const { config: valid, warnings } = validateConfig(config);
    expect(valid.server.become).toBe(true);
    expect(warnings).toEqual([]);
  });

  it('asks become only for a non-root login', async () => {
    const { prompt } = await wizard(MINIMAL);
    expect(names(prompt)).not.toContain('server.become');
  });

  it('has no default for the external IPv4 when the address is a host name', async () => {
    const script: Script = MINIMAL.flatMap(([n, a]): [string, Answer][] => {
      if (n === 'server.address') return [[n, 'vps.example.net']];
      if (n === 'audio_video.enabled')
        return [
          [n, true],
          ['audio_video.stack', 'jitsi'],
          ['audio_video.external_ip', { attempts: [ENTER, '192.0.2.5'] }],
        ];
      return [[n, a]];
    });
    const { config, prompt } = await wizard(script);
    expect(prompt.asked.find((a) => a.name === 'audio_video.external_ip')?.default).toBeUndefined();
    expect(prompt.rejected['audio_video.external_ip']).toEqual([ipv4Problem('')]);
    expect(config.audio_video).toEqual({ enabled: true, stack: 'jitsi', external_ip: '192.0.2.5' });
  });

  it('notes which homeservers the playbook cannot create users on', () => {
    const choices = homeserverChoices();
    expect(choices.map((c) => c.value)).toEqual([
      'synapse',
      'dendrite',
      'conduit',
      'continuwuity',
      'tuwunel',
    ]);
    for (const c of choices) {
      const lacks = c.value === 'tuwunel';
      expect(c.name.includes('no user creation')).toBe(lacks);
    }
  });
});

describe('wizard: questions answered by flags are skipped', () => {
  it('skips each question whose flag was given', async () => {
    const preset = flagsToConfig({
      dryRun: false,
      domain: 'example.com',
      sshUser: 'ops',
      homeserver: 'conduit',
      element: false,
      audioVideo: true,
      user: ['alice:admin'],
    });
    const { config, prompt } = await wizard(
      [
        ['server.address', '203.0.113.10'],
        ['server.ssh_port', ENTER],
        ['server.become', ENTER],
        ['server.ipv6', ENTER],
        ['serve_base_domain', ENTER],
        ['audio_video.external_ip', ENTER],
        ['letsencrypt_email', ENTER],
        ['playbook.path', ENTER],
        ['confirm', ENTER],
      ],
      preset,
    );
    expect(config).toMatchObject({
      domain: 'example.com',
      server: { ssh_user: 'ops', become: true },
      homeserver: 'conduit',
      element: false,
      audio_video: { enabled: true, stack: 'jitsi', external_ip: '203.0.113.10' },
      users: [{ name: 'alice', admin: true }],
    });
    for (const skipped of [
      'domain',
      'server.ssh_user',
      'homeserver',
      'element',
      'audio_video.enabled',
      'users[0].name',
    ]) {
      expect(names(prompt)).not.toContain(skipped);
    }
  });

  it('asks only for the confirmation when flags answer everything', async () => {
    const preset = flagsToConfig({
      dryRun: false,
      domain: 'example.com',
      address: '203.0.113.10',
      sshUser: 'root',
      sshPort: '22',
      ipv6: '2001:db8::1',
      homeserver: 'synapse',
      element: true,
      serveBaseDomain: true,
      srvDelegation: false,
      audioVideo: false,
      letsencryptEmail: 'a@example.com',
      user: ['bob'],
      playbook: '/opt/mdad',
    });
    const { config, prompt } = await wizard([['confirm', true]], preset);
    expect(names(prompt)).toEqual(['confirm']);
    expect(validateConfig(config).config).toMatchObject({ domain: 'example.com', users: [{ name: 'bob' }] });
  });

  it('rejects a bad flag value before asking anything, with the validator text', async () => {
    const prompt = fakePrompt([]);
    const run = runWizard({
      preset: { domain: 'https://example.com', server: { ssh_port: 70000 } },
      prompt,
      interactive: true,
      out: memoryOutput(),
    });
    await expect(run).rejects.toMatchObject({
      message: '2 flags have bad values:',
      details: [`--domain: ${checkDomain('https://example.com').error}`, `--ssh-port: ${portProblem(70000)}`],
    });
    expect(prompt.asked).toEqual([]);
  });
});

describe('wizard: inline validation uses the config validators', () => {
  it.each([
    ['domain', 'https://example.com/', checkDomain('https://example.com/').error],
    ['domain', 'Example.com', checkDomain('Example.com').error],
    ['server.address', '300.1.2.3', addressProblem('300.1.2.3')],
    ['server.ssh_user', 'Admin', sshUserProblem('Admin')],
    ['server.ssh_port', '70000', portProblem(70000)],
    [
      'server.ssh_port',
      'ssh',
      `"ssh" is not a TCP port: use a whole number from 1 to 65535 (SSH's default is 22)`,
    ],
    ['server.ipv6', '2001:db8::zz', ipv6Problem('2001:db8::zz')],
    ['letsencrypt_email', 'soc@', emailProblem('soc@')],
    ['users[0].name', 'Alice', localpartProblem('Alice', 'example.com')],
    ['users[0].name', '@bob:example.com', localpartProblem('@bob:example.com', 'example.com')],
  ])('%s: %j shows the validator message and asks again', async (name, bad, message) => {
    const script = MINIMAL.map(([n, a]): readonly [string, Answer] => {
      if (n !== name) return [n, a];
      const good = typeof a === 'string' ? a : ENTER;
      return [n, { attempts: [bad, good] }];
    });
    const { prompt } = await wizard(script);
    expect(message).toBeDefined();
    expect(prompt.rejected[name]).toEqual([message]);
  });

  it('rejects a user listed twice with the schema message', async () => {
    const script: Script = [
      ...MINIMAL.slice(0, 10),
      ['users[0].name', 'alice'],
      ['users[0].admin', ENTER],
      ['users[0].another', true],
      ['users[1].name', { attempts: ['alice', 'bob'] }],
      ['users[1].admin', ENTER],
      ['users[1].another', ENTER],
      ...MINIMAL.slice(11),
    ];
    const { config, prompt } = await wizard(script);
    expect(prompt.rejected['users[1].name']).toEqual(['"alice" is listed twice: remove one']);
    expect(config.users).toEqual([
      { name: 'alice', admin: true },
      { name: 'bob', admin: false },
    ]);
  });

  it('a second user name cannot be empty', async () => {
    const script: Script = [
      ...MINIMAL.slice(0, 10),
      ['users[0].name', 'alice'],
      ['users[0].admin', ENTER],
      ['users[0].another', true],
      ['users[1].name', { attempts: [ENTER, 'bob'] }],
      ['users[1].admin', ENTER],
      ['users[1].another', ENTER],
      ...MINIMAL.slice(11),
    ];
    const { prompt } = await wizard(script);
    expect(prompt.rejected['users[1].name']).toEqual([localpartProblem('', 'example.com')]);
  });

  it('warns on a "matrix." domain and offers the base domain', async () => {
    const script: Script = [
      ['domain', 'matrix.example.com'],
      ['domain.keep', ENTER],
      ['domain', ENTER],
      ...MINIMAL.slice(1),
    ];
    const { config, prompt, out } = await wizard(script);
    expect(out.stderr).toContain(`warning: ${checkDomain('matrix.example.com').warning}`);
    expect(prompt.asked[2]?.default).toBe('example.com');
    expect(config.domain).toBe('example.com');
  });

  it('keeps a "matrix." domain when the user insists', async () => {
    const script: Script = [['domain', 'matrix.example.com'], ['domain.keep', true], ...MINIMAL.slice(1)];
    const { config } = await wizard(script);
    expect(config.domain).toBe('matrix.example.com');
  });

  it('stores an IDN domain in its ASCII form', async () => {
    const { config } = await wizard([['domain', 'bücher.example'], ...MINIMAL.slice(1)]);
    expect(config.domain).toBe('xn--bcher-kva.example');
  });

  it('refuses become=no for a non-root login with the schema message, then asks again', async () => {
    const script: Script = [
      ...MINIMAL.slice(0, 2),
      ['server.ssh_user', 'deploy'],
      ['server.ssh_port', ENTER],
      ['server.become', false],
      ['server.become', true],
      ...MINIMAL.slice(4),
    ];
    const { config, out } = await wizard(script);
    expect(out.stderr).toContain(
      'error: server.become must be true when ssh_user is "deploy": the playbook needs root (set become: true, or ssh_user: root)',
    );
    expect(config.server?.become).toBe(true);
  });
});

describe('wizard: summary and confirmation', () => {
  it('shows a summary; "no" asks again with the previous answers as defaults', async () => {
    const script: Script = [
      ...MINIMAL.slice(0, -1),
      ['confirm', false],
      ['domain', 'example.net'],
      ...MINIMAL.slice(1, -1),
      ['confirm', true],
    ];
    const { config, prompt, out } = await wizard(script);
    const second = prompt.asked.slice(MINIMAL.length);
    expect(second.find((a) => a.name === 'domain')?.default).toBe('example.com');
    expect(second.find((a) => a.name === 'server.address')?.default).toBe('203.0.113.10');
    expect(config.domain).toBe('example.net');
    const text = out.stderr.join('\n');
    expect(text).toMatch(/domain\s+example\.com/);
    expect(text).toMatch(/server\s+root@203\.0\.113\.10, SSH port 22/);
    expect(text).toMatch(/users\s+none yet/);
  });

  it('"no" when flags answered everything stops (exit 130) instead of looping', async () => {
    const preset = flagsToConfig({ dryRun: false, domain: 'example.com', address: '192.0.2.1', user: ['a'] });
    const all = { ...preset, server: { ...preset.server, ssh_user: 'root', ssh_port: 22, ipv6: '::1' } };
    const prompt = fakePrompt([['confirm', false]]);
    const out = memoryOutput();
    const err = await runWizard({
      preset: {
        ...all,
        homeserver: 'synapse',
        element: true,
        serve_base_domain: true,
        audio_video: { enabled: false },
        letsencrypt_email: 'a@example.com',
        playbook: { path: '/x' },
      },
      prompt,
      interactive: true,
      out,
    }).catch((e: unknown) => e);
    expect(reportError(err, out)).toBe(130);
    expect(out.stderr).toContain('error: not confirmed; nothing was written.');
  });
});

describe('wizard: non-interactive rule', () => {
  const never = () => fakePrompt([]);

  it('never prompts and uses the declared defaults', async () => {
    const prompt = never();
    const config = await runWizard({
      preset: { domain: 'example.com', server: { address: '203.0.113.10' } },
      prompt,
      interactive: false,
      out: memoryOutput(),
    });
    expect(prompt.asked).toEqual([]);
    expect(config).toEqual(DEFAULT_CONFIG);
  });

  it('defaults become to yes for a non-root login, and TURN to the IPv4 address', async () => {
    const config = await runWizard({
      preset: {
        domain: 'example.com',
        server: { address: '203.0.113.10', ssh_user: 'ops' },
        audio_video: { enabled: true, stack: 'jitsi' },
      },
      prompt: never(),
      interactive: false,
      out: memoryOutput(),
    });
    expect(config.server).toMatchObject({ ssh_user: 'ops', become: true });
    expect(config.audio_video).toEqual({ enabled: true, stack: 'jitsi', external_ip: '203.0.113.10' });
  });

  it('defaults audio/video to Element Call on synapse, which needs no TURN address', async () => {
    const config = await runWizard({
      preset: {
        domain: 'example.com',
        server: { address: 'vps.example.net' },
        audio_video: { enabled: true },
      },
      prompt: never(),
      interactive: false,
      out: memoryOutput(),
    });
    expect(config.audio_video).toEqual({ enabled: true, stack: 'element-call' });
  });

  it('names the missing domain and the flag that supplies it (exit 2)', async () => {
    const out = memoryOutput();
    const err = await runWizard({
      preset: { server: { address: '203.0.113.10' } },
      prompt: never(),
      interactive: false,
      out,
      reason: '--yes was given',
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UserError);
    expect((err as UserError).message).toBe('missing domain: pass --domain example.com or use --config FILE');
    expect(reportError(err, out)).toBe(2);
    expect(out.stderr).toContain('hint: not asking because --yes was given; nothing was written.');
  });

  it('names every missing value at once, on one line', async () => {
    const err = await runWizard({
      preset: { audio_video: { enabled: true } },
      prompt: never(),
      interactive: false,
      out: memoryOutput(),
    }).catch((e: unknown) => e);
    expect((err as Error).message).toBe(
      'missing domain and server address: pass --domain example.com --address 203.0.113.10 or use --config FILE',
    );
  });

  it('asks for --external-ip with audio/video on a host-name address', async () => {
    const err = await runWizard({
      preset: {
        domain: 'example.com',
        server: { address: 'vps.example.net' },
        audio_video: { enabled: true, stack: 'both' },
      },
      prompt: never(),
      interactive: false,
      out: memoryOutput(),
    }).catch((e: unknown) => e);
    expect((err as Error).message).toBe(
      'missing external IPv4 for audio/video (the server address is not an IPv4 address): pass --external-ip 203.0.113.10 or use --config FILE',
    );
  });

  it('interactivity: --yes, CI or no TTY on stdin means no prompts', () => {
    const tty = { isTTY: true };
    expect(interactivity(false, tty, {}, [tty])).toEqual({ interactive: true });
    expect(interactivity(false, tty, {}, [{}, tty])).toEqual({ interactive: true });
    expect(interactivity(false, tty, {}, [{}, {}])).toEqual({
      interactive: false,
      reason: 'neither stderr nor stdout is a terminal',
    });
    expect(interactivity(true, tty, {})).toEqual({ interactive: false, reason: '--yes was given' });
    expect(interactivity(false, tty, { CI: 'true' })).toEqual({ interactive: false, reason: 'CI is set' });
    expect(interactivity(false, tty, { CI: '1' }).interactive).toBe(false);
    expect(interactivity(false, tty, { CI: 'false' }, [tty]).interactive).toBe(true);
    expect(interactivity(false, {}, {})).toEqual({ interactive: false, reason: 'stdin is not a terminal' });
  });
});

describe('wizard: the fake prompt fails loudly', () => {
  it('on a question the script does not expect', async () => {
    const run = wizard([['server.address', '203.0.113.10']]);
    await expect(run).rejects.toThrow(
      /fake prompt: unexpected question "domain" \(input: .*\); the script expected "server.address"/,
    );
  });

  it('when the script is used up', async () => {
    await expect(wizard([['domain', 'example.com']])).rejects.toThrow(
      /unexpected question "server.address".*the script is used up/,
    );
  });

  it('when an answer is never asked for', async () => {
    await expect(wizard([...MINIMAL, ['extra', true]])).rejects.toThrow('1 answers never asked for: extra');
  });

  it('when every typed answer is rejected', async () => {
    await expect(wizard([['domain', 'https://x']])).rejects.toThrow(/every answer to "domain" was rejected/);
  });
});

describe('wizard: Ctrl-C', () => {
  it('lets the prompt abort through, which the entry maps to exit 130', async () => {
    const abort = Object.assign(new Error('User force closed the prompt with SIGINT'), {
      name: 'ExitPromptError',
    });
    const prompt = fakePrompt([['domain', 'example.com']]);
    prompt.input = async (q) => {
      if (q.name === 'server.address') throw abort;
      return 'example.com';
    };
    const out = memoryOutput();
    const err = await runWizard({ preset: {}, prompt, interactive: true, out }).catch((e: unknown) => e);
    expect(err).toBe(abort);
    expect(reportError(err, out)).toBe(130);
  });
});
