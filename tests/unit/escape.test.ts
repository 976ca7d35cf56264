import { parse } from 'yaml';
import type { Config } from '../../src/config/schema.js';
import { iniValue, yamlValue } from '../../src/inventory/escape.js';
import { MANAGED_KEYS } from '../../src/inventory/merge.js';
import { renderHosts, renderVars } from '../../src/inventory/render.js';
import { parseVarsDocument } from '../../src/inventory/yaml-doc.js';

const HOSTILE = [
  'it\'s "quoted"',
  'two\nlines\r\nand\ttab',
  'key: value',
  'a # not a comment',
  '{{ lookup("pipe", "id") }}',
  '{% for x in y %}',
  '{# comment #}',
  '---',
  '...',
  '- item',
  '[1, 2]',
  '&anchor *alias',
  '!!python/object:os.system',
  '|',
  '>',
  '@at `backtick`',
  '%YAML 1.1',
  'yes',
  'null',
  '0x1F',
  '',
  ' leading and trailing ',
  'back\\slash',
  'unicode: ü 漢字 🚀 \u2028 \u0085 \u007f \ufeff',
  '\u0000\u0001\u001b[31m',
];

describe('yamlValue', () => {
  it.each(HOSTILE)('round-trips %j unchanged and adds no key', (value) => {
    const text = `first: ${yamlValue(value)}\nsecond: ok\n`;
    const doc = parseVarsDocument(text);
    expect(doc.errors).toEqual([]);
    expect(doc.toJS()).toEqual({ first: value, second: 'ok' });
  });

  it('tags Jinja markers !unsafe so Ansible does not template them', () => {
    expect(yamlValue('{{ x }}')).toBe('!unsafe "{{ x }}"');
    expect(yamlValue('plain')).toBe('"plain"');
  });

  it('writes booleans, numbers and lists', () => {
    expect(parse(`a: ${yamlValue(true)}\nb: ${yamlValue(22)}\nc: ${yamlValue(['x: y', '#z'])}\n`)).toEqual({
      a: true,
      b: 22,
      c: ['x: y', '#z'],
    });
  });

  it('refuses undefined rather than writing an empty value', () => {
    expect(() => yamlValue(undefined)).toThrow(TypeError);
  });
});

describe('iniValue', () => {
  it.each(['a b', 'a#b', 'a;b', 'a=b', "a'b", 'a"b', 'a\nb', '', 'ü'])('refuses %j', (v) => {
    expect(() => iniValue(v)).toThrow(TypeError);
  });
  it('passes plain values', () => {
    expect(iniValue('203.0.113.10')).toBe('203.0.113.10');
    expect(iniValue('2001:db8::1')).toBe('2001:db8::1');
  });
});

/** A config as the validator would never let through: the templates must still hold. */
function hostileConfig(value: string): Config {
  return {
    domain: value,
    server: { address: '203.0.113.10', ssh_user: 'root', ssh_port: 22, become: false },
    homeserver: 'synapse',
    element: true,
    serve_base_domain: false,
    srv_delegation: false,
    audio_video: { enabled: true, stack: 'both', external_ip: value },
    letsencrypt_email: value,
    users: [],
    playbook: {},
  } as unknown as Config;
}

describe('vars.yml template', () => {
  it.each(HOSTILE.filter((v) => v !== ''))('keeps hostile value %j inside its keys', async (value) => {
    const text = await renderVars(hostileConfig(value), {
      secrets: {
        matrix_homeserver_generic_secret_key: 'a'.repeat(64),
        postgres_connection_password: 'b'.repeat(64),
      },
      migrationVersion: value,
      jitsiAccounts: [{ username: value, password: value }],
    });
    const doc = parseVarsDocument(text);
    expect(doc.errors).toEqual([]);
    const data = doc.toJS() as Record<string, unknown>;
    for (const key of Object.keys(data)) expect(MANAGED_KEYS).toContain(key);
    expect(data.matrix_domain).toBe(value);
    expect(data.traefik_config_certificatesResolvers_acme_email).toBe(value);
    expect(data.matrix_playbook_migration_validated_version).toBe(value);
    expect(data.coturn_turn_external_ip_addresses).toEqual([value]);
    expect(data.jitsi_prosody_auth_internal_accounts).toEqual([{ username: value, password: value }]);
    expect(data.matrix_homeserver_generic_secret_key).toBe('a'.repeat(64));
  });

  it('never emits the renamed variables of the 2018 write-up', async () => {
    const cfg = {
      ...hostileConfig('example.com'),
      audio_video: { enabled: true, external_ip: '203.0.113.10' },
    } as Config;
    const text = await renderVars(cfg, {
      secrets: {
        matrix_homeserver_generic_secret_key: 'a'.repeat(64),
        postgres_connection_password: 'b'.repeat(64),
      },
      migrationVersion: 'v2026.05.18.0',
    });
    for (const old of [
      'host_specific_hostname_identity',
      'host_specific_matrix_ssl_support_email',
      'matrix_coturn_',
      'matrix_synapse_macaroon_secret_key',
      'riot',
      'matrix_postgres_connection_password',
    ]) {
      expect(text).not.toContain(old);
    }
  });
});

describe('hosts template', () => {
  it('writes one [matrix_servers] line with port and become only when needed', async () => {
    const cfg = hostileConfig('example.com');
    expect((await renderHosts(cfg)).split('\n').filter((l) => l && !l.startsWith('#'))).toEqual([
      '[matrix_servers]',
      'matrix.example.com ansible_host=203.0.113.10 ansible_ssh_user=root',
    ]);
    const sudo = {
      ...cfg,
      server: { address: '2001:db8::1', ssh_user: 'deploy', ssh_port: 2222, become: true },
    } as Config;
    expect(await renderHosts(sudo)).toContain(
      'matrix.example.com ansible_host=2001:db8::1 ansible_ssh_user=deploy ansible_port=2222 ansible_become=true ansible_become_user=root\n',
    );
  });

  it('refuses a host value that would break the INI line', async () => {
    const cfg = {
      ...hostileConfig('example.com'),
      server: { address: '1.2.3.4 evil=1', ssh_user: 'root', ssh_port: 22, become: false },
    };
    await expect(renderHosts(cfg as Config)).rejects.toThrow(TypeError);
  });
});

describe('templates', () => {
  it('send every value through an escaping helper', async () => {
    const { readdirSync, readFileSync } = await import('node:fs');
    const { TEMPLATES_DIR } = await import('../../src/inventory/templates.js');
    const bare: string[] = [];
    for (const name of readdirSync(TEMPLATES_DIR)) {
      const text = readFileSync(`${TEMPLATES_DIR}/${name}`, 'utf8');
      for (const m of text.matchAll(/\{\{\{?\s*([^}]*)\}\}/g)) {
        if (!/^(yaml|ini|comment) |^[#/]|^else$/.test(m[1]!.trim())) bare.push(`${name}: ${m[0]}`);
      }
    }
    expect(bare).toEqual([]);
  });
});
