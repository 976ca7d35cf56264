import { configToYaml } from '../../src/config/serialize.js';
import { validateConfig } from '../../src/config/validate.js';

describe('configToYaml', () => {
  it('writes keys in the schema order whatever the input order (wizard and file give one text)', () => {
    const a = validateConfig({
      users: [{ admin: true, name: 'lead' }],
      server: { ipv6: '2001:db8::7', ssh_user: 'deploy', address: '198.51.100.7' },
      domain: 'example.org',
    }).config;
    const b = validateConfig({
      domain: 'example.org',
      server: { address: '198.51.100.7', ssh_user: 'deploy', become: true, ipv6: '2001:db8::7' },
      users: [{ name: 'lead', admin: true }],
    }).config;
    expect(configToYaml(a)).toBe(configToYaml(b));
    expect(configToYaml(a)).toMatch(
      /domain: example.org\nserver:\n {2}address: 198.51.100.7\n {2}ssh_user: deploy\n {2}ssh_port: 22\n {2}become: true\n {2}ipv6: 2001:db8::7\n/,
    );
    expect(configToYaml(a)).toContain('users:\n  - name: lead\n    admin: true\n');
  });
});
