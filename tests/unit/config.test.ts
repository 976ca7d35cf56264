import { parseConfigText, validateConfig } from '../../src/config/validate.js';
import { UserError } from '../../src/errors.js';
import { configProblems, configProblemsOrNone } from '../helpers/config-problems.js';

const valid = () => ({
  domain: 'example.com',
  server: { address: '203.0.113.10' },
  users: [{ name: 'lead1', admin: true }],
});

const problems = configProblems;

describe('validateConfig', () => {
  it('fills the defaults', () => {
    const { config, warnings } = validateConfig(valid());
    expect(config).toEqual({
      domain: 'example.com',
      server: { address: '203.0.113.10', ssh_user: 'root', ssh_port: 22, become: false },
      homeserver: 'synapse',
      element: true,
      serve_base_domain: true,
      srv_delegation: false,
      audio_video: { enabled: false, stack: 'element-call', jitsi_allow_anonymous: false },
      users: [{ name: 'lead1', admin: true }],
      recorder: { enabled: true, name: 'recorder' },
      playbook: {},
    });
    expect(warnings).toEqual([]);
  });

  it('refuses dns numbers out of range with the range, not "must be a number"', () => {
    expect(problems({ ...valid(), dns: { retries: 20, query_timeout_ms: -5, auth_port: 0 } })).toEqual([
      'dns.auth_port: must be a whole number from 1 to 65535 (DNS uses 53)',
      'dns.query_timeout_ms: must be a whole number of milliseconds above 0, e.g. query_timeout_ms: 2000',
      'dns.retries: must be a whole number from 0 to 10, e.g. retries: 1',
    ]);
    expect(problems({ ...valid(), dns: { retries: 1.5, query_timeout_ms: 0.5 } })).toEqual([
      'dns.query_timeout_ms: must be a whole number of milliseconds above 0, e.g. query_timeout_ms: 2000',
      'dns.retries: must be a whole number from 0 to 10, e.g. retries: 1',
    ]);
    expect(problems({ ...valid(), dns: { retries: 'two' } })).toEqual([
      'dns.retries: must be a number, got "two": retries: 1',
    ]);
    expect(configProblemsOrNone({ ...valid(), dns: { retries: 0, query_timeout_ms: 2000 } })).toEqual([]);
  });

  it("reserves the recorder's name: a user called like it is refused, unless the recorder is off or renamed", () => {
    expect(problems({ ...valid(), users: [{ name: 'lead1', admin: true }, { name: 'recorder' }] })).toEqual([
      `users[1].name: "recorder" is the recorder's account (recorder.name): rename this user, or set recorder.name to another name`,
    ]);
    expect(
      problems({ ...valid(), users: [{ name: 'rec', admin: true }], recorder: { name: 'rec' } }),
    ).toHaveLength(1);
    expect(
      validateConfig({ ...valid(), users: [{ name: 'recorder', admin: true }], recorder: { enabled: false } })
        .config.recorder,
    ).toEqual({ enabled: false, name: 'recorder' });
    expect(problems({ ...valid(), recorder: { name: 'Rec' } })[0]).toMatch(
      /^recorder\.name: "Rec" has capital letters/,
    );
  });

  it('reports every problem at once, each with its field path', () => {
    const lines = problems({
      domain: 'Example.com',
      server: { address: '10.0.0.300', ssh_port: 70000 },
      homeserver: 'matrix-rs',
      users: [{ name: 'Bob' }],
    });
    expect(lines).toEqual([
      'domain: must be lowercase (Matrix user IDs are): write "example.com"',
      expect.stringMatching(/^server\.address: "10\.0\.0\.300" is not an IPv4\/IPv6 address or host name/),
      "server.ssh_port: 70000 is not a TCP port: use a whole number from 1 to 65535 (SSH's default is 22)",
      expect.stringMatching(/^homeserver: must be one of synapse, dendrite, conduit, continuwuity, tuwunel/),
      expect.stringMatching(/^users\[0\]\.name: "Bob" has capital letters.*write "bob"$/),
    ]);
  });

  it('names missing required fields and how to set them', () => {
    expect(problems({})).toEqual([
      expect.stringMatching(
        /^domain: is required: set the base domain of user IDs, e\.g\. domain: example\.com$/,
      ),
      expect.stringMatching(/^server: is required/),
    ]);
    expect(problems({ domain: 'example.com', server: {} })).toEqual([
      expect.stringMatching(/^server\.address: is required: set the server's public IPv4 address/),
    ]);
  });

  it('rejects unknown keys with a did-you-mean, at any depth', () => {
    expect(problems({ ...valid(), homserver: 'synapse', server: { adress: '203.0.113.10' } })).toEqual(
      expect.arrayContaining([
        'homserver: unknown key; did you mean "homeserver"?',
        'server.adress: unknown key; did you mean "address"?',
      ]),
    );
    expect(problems({ ...valid(), users: [{ name: 'a', admn: true }] })).toEqual([
      'users[0].admn: unknown key; did you mean "admin"?',
    ]);
    expect(problems({ ...valid(), zzzzzzzzzz: 1 })[0]).toMatch(
      /^zzzzzzzzzz: unknown key; known keys here: domain, server/,
    );
  });

  it('checks types with the expected kind and the value given', () => {
    expect(problems({ ...valid(), element: 'yes' })).toEqual([
      'element: must be true or false, got "yes": element: true serves Element Web at element.<domain>',
    ]);
  });

  it.each([
    [
      { server: { address: '203.0.113.10', ipv6: '2001:db8::zz' } },
      'server.ipv6: "2001:db8::zz" is not an IPv6 address',
    ],
    [
      { server: { address: '203.0.113.10', ssh_user: 'Admin User' } },
      'server.ssh_user: "Admin User" is not a valid login name',
    ],
    [{ letsencrypt_email: 'not-an-email' }, 'letsencrypt_email: "not-an-email" is not an e-mail address'],
    [
      { audio_video: { enabled: true, external_ip: '2001:db8::1' } },
      'audio_video.external_ip: "2001:db8::1" is not an IPv4 address',
    ],
    [
      { domain: 'https://example.com' },
      'domain: must not contain a scheme ("https://"): write just "example.com"',
    ],
    [{ domain: 'example.com:443' }, 'domain: must not contain a port: write just "example.com"'],
    [{ domain: 'example.com/' }, 'domain: must not contain a path: write just "example.com"'],
    [{ domain: 'example.com.' }, 'domain: must not end with a dot: write "example.com"'],
    [{ users: [{ name: 'a' }, { name: 'a' }] }, 'users[1].name: "a" is listed twice: remove one'],
    [{ users: [{ name: '@a:example.com' }] }, 'users[0].name: must be the localpart only'],
    [{ users: [{ name: 'a b' }] }, 'users[0].name: "a b" may only contain a-z, 0-9 and . _ = - / +'],
  ])('rejects %j', (patch, message) => {
    expect(problems({ ...valid(), ...patch }).join('\n')).toContain(message);
  });

  it('needs become for a non-root SSH user, and defaults it on', () => {
    expect(
      validateConfig({ ...valid(), server: { address: 'host.example.net', ssh_user: 'deploy' } }).config
        .server.become,
    ).toBe(true);
    expect(
      problems({ ...valid(), server: { address: '203.0.113.10', ssh_user: 'deploy', become: false } }),
    ).toEqual([expect.stringMatching(/^server\.become: must be true when ssh_user is "deploy"/)]);
  });

  it('takes the TURN address from an IPv4 server address, and requires it otherwise', () => {
    const jitsi = { enabled: true, stack: 'jitsi' };
    const { config } = validateConfig({ ...valid(), audio_video: jitsi });
    expect(config.audio_video.external_ip).toBe('203.0.113.10');
    expect(problems({ ...valid(), server: { address: 'host.example.net' }, audio_video: jitsi })).toEqual([
      expect.stringMatching(
        /^audio_video\.external_ip: is required for Jitsi's TURN relay \(coturn\) when server\.address is not an IPv4 address/,
      ),
    ]);
    // Element Call (the default on synapse) has no coturn: no TURN address needed or set.
    const ec = validateConfig({
      ...valid(),
      server: { address: 'host.example.net' },
      audio_video: { enabled: true },
    });
    expect(ec.config.audio_video).toEqual({
      enabled: true,
      stack: 'element-call',
      jitsi_allow_anonymous: false,
    });
  });

  it('refuses srv_delegation: true (MDAD needs a DNS-01 wildcard certificate), accepts false', () => {
    expect(problems({ ...valid(), srv_delegation: true })).toEqual([
      expect.stringMatching(
        /^srv_delegation: is not supported: SRV delegation needs a wildcard certificate from a DNS-01 challenge .* Remove srv_delegation: federation then uses https:\/\/<domain>\/\.well-known\/matrix\/server/,
      ),
    ]);
    expect(validateConfig({ ...valid(), srv_delegation: false }).config.srv_delegation).toBe(false);
  });

  it('converts an IDN domain to ASCII', () => {
    expect(validateConfig({ ...valid(), domain: 'bücher.example' }).config.domain).toBe(
      'xn--bcher-kva.example',
    );
  });

  it('warns about matrix. prefixes, homeservers the playbook cannot create users on, and no admin', () => {
    expect(validateConfig({ ...valid(), homeserver: 'conduit' }).warnings).toEqual([]);
    const { warnings } = validateConfig({
      domain: 'matrix.example.com',
      server: { address: '203.0.113.10' },
      homeserver: 'tuwunel',
      users: [{ name: 'a' }],
    });
    expect(warnings).toEqual([
      expect.stringMatching(/^domain: "matrix\.example\.com" starts with "matrix\."/),
      expect.stringMatching(
        /^homeserver: the playbook cannot create users on tuwunel \(no register-user or user-creator task\)/,
      ),
      expect.stringMatching(/^users: nobody is an admin/),
    ]);
  });
});

describe('parseConfigText', () => {
  it('names the line of a YAML syntax error', () => {
    expect(() => parseConfigText('domain: example.com\nserver:\n  address: [1,\n', 'case.yml')).toThrow(
      /^case\.yml: YAML syntax error at line \d+, column \d+/,
    );
  });
  it('rejects duplicate keys', () => {
    expect(() => parseConfigText('domain: a.com\ndomain: b.com\n', 'case.yml')).toThrow(UserError);
  });
});
