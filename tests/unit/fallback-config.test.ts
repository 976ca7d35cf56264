import { configToYaml } from '../../src/config/serialize.js';
import { caseServers, registrableDomain, serverByDomain, sharedNetwork } from '../../src/config/servers.js';
import { parseConfigText, validateConfig } from '../../src/config/validate.js';
import { configProblems } from '../helpers/config-problems.js';

const base = () => ({
  domain: 'example.com',
  server: { address: '203.0.113.10' },
  users: [{ name: 'lead1', admin: true }],
});

const problems = configProblems;

describe('fallback: config', () => {
  it('is absent by default: a one-server config is unchanged', () => {
    const { config } = validateConfig(base());
    expect('fallback' in config).toBe(false);
    expect(caseServers(config)).toEqual([
      { domain: 'example.com', server: config.server, hostName: 'matrix.example.com', isMain: true },
    ]);
  });

  it('lists every server, main first, with defaults filled as for the main one', () => {
    const { config, warnings } = validateConfig({
      ...base(),
      fallback: [
        { domain: 'other.org', server: { address: '198.51.100.20', ssh_user: 'deploy', ssh_port: 2222 } },
      ],
    });
    expect(warnings).toEqual([]);
    expect(caseServers(config)).toEqual([
      expect.objectContaining({ domain: 'example.com', hostName: 'matrix.example.com', isMain: true }),
      {
        domain: 'other.org',
        hostName: 'matrix.other.org',
        isMain: false,
        server: { address: '198.51.100.20', ssh_user: 'deploy', ssh_port: 2222, become: true },
      },
    ]);
    expect(serverByDomain(config, 'other.org')?.hostName).toBe('matrix.other.org');
    expect(serverByDomain(config, 'nope.org')).toBeUndefined();
  });

  it('validates each fallback like the main server, naming the field', () => {
    expect(
      problems({
        ...base(),
        fallback: [
          { domain: 'Other.org', server: { address: '10.0.0.300' } },
          { domain: 'example.com', server: { address: '198.51.100.1', ssh_user: 'deploy', become: false } },
          { domain: 'third.net' },
          { domain: 'fourth.net', server: { adress: '1.2.3.4' } },
        ],
      }),
    ).toEqual(
      expect.arrayContaining([
        'fallback[0].domain: must be lowercase (Matrix user IDs are): write "other.org"',
        expect.stringMatching(/^fallback\[0\]\.server\.address: "10\.0\.0\.300" is not an IPv4/),
        'fallback[1].domain: "example.com" is already used by domain: each server needs its own domain',
        expect.stringMatching(/^fallback\[1\]\.server\.become: must be true when ssh_user is "deploy"/),
        expect.stringMatching(/^fallback\[2\]\.server: is required/),
        'fallback[3].server.adress: unknown key; did you mean "address"?',
      ]),
    );
  });

  it('refuses two fallbacks with the same domain and a fallback that is not a list', () => {
    const fb = { domain: 'other.org', server: { address: '198.51.100.20' } };
    expect(problems({ ...base(), fallback: [fb, fb] })).toEqual([
      'fallback[1].domain: "other.org" is already used by fallback[0]: each server needs its own domain',
    ]);
    expect(problems({ ...base(), fallback: fb })[0]).toMatch(/^fallback: must be a list/);
  });

  it('warns when servers share a parent domain or a network', () => {
    const { warnings } = validateConfig({
      ...base(),
      server: { address: '203.0.113.10', ipv6: '2001:db8:1:2::10' },
      fallback: [
        { domain: 'backup.example.com', server: { address: '203.0.113.99' } },
        { domain: 'other.org', server: { address: '2001:db8:1:ffff::1' } },
      ],
    });
    expect(warnings).toEqual([
      expect.stringMatching(
        /^fallback: example\.com and backup\.example\.com share the parent domain example\.com/,
      ),
      expect.stringMatching(
        /^fallback: example\.com and backup\.example\.com are in the same network 203\.0\.113\.0\/24/,
      ),
      expect.stringMatching(
        /^fallback: example\.com and other\.org are in the same network 2001:db8:1::\/48/,
      ),
    ]);
  });

  it('approximates the registrable domain and compares networks', () => {
    expect(registrableDomain('a.b.example.com')).toBe('example.com');
    expect(registrableDomain('x.example.co.uk')).toBe('example.co.uk');
    expect(registrableDomain('example.de')).toBe('example.de');
    const s = (address: string, ipv6?: string) => ({
      address,
      ssh_user: 'root',
      ssh_port: 22,
      become: false,
      ipv6,
    });
    expect(sharedNetwork(s('198.51.100.1'), s('198.51.101.1'))).toBeUndefined();
    expect(sharedNetwork(s('host.example.net'), s('host.example.net'))).toBeUndefined();
    expect(sharedNetwork(s('2001:db8::1'), s('2001:db8:0:5::1'))).toBe('2001:db8:0::/48');
    expect(sharedNetwork(s('2001:db8::1'), s('2001:db9::1'))).toBeUndefined();
  });

  it('round-trips through matrix-oob.yml', () => {
    const { config } = validateConfig({
      ...base(),
      fallback: [{ domain: 'other.org', server: { address: '198.51.100.20' } }],
    });
    const again = validateConfig(parseConfigText(configToYaml(config), 'matrix-oob.yml')).config;
    expect(again).toEqual(config);
  });
});

describe('unpinnedFallbacks', () => {
  it('names the fallback servers whose host key is not in known_hosts, at the inventory address', async () => {
    const { unpinnedFallbacks } = await import('../../src/ssh/fallback-pins.js');
    const { config } = validateConfig({
      ...base(),
      fallback: [
        { domain: 'one.org', server: { address: '198.51.100.1' } },
        { domain: 'two.org', server: { address: '198.51.100.2', ssh_port: 2222 } },
      ],
    });
    const hosts = '[matrix_servers]\nmatrix.one.org ansible_host=192.0.2.99 ansible_port=2200\n';
    const key = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl';
    expect(unpinnedFallbacks(config, hosts, '')).toEqual(['one.org', 'two.org']);
    expect(unpinnedFallbacks(config, hosts, `[192.0.2.99]:2200 ${key}\n`)).toEqual(['two.org']);
    // The config address does not count when the inventory says otherwise.
    expect(unpinnedFallbacks(config, hosts, `198.51.100.1 ${key}\n[198.51.100.2]:2222 ${key}\n`)).toEqual([
      'one.org',
    ]);
  });
});
