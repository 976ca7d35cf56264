import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findRenamed } from '../../src/doctor/inventory.js';
import { renderTable, summarise } from '../../src/doctor/report.js';
import {
  checkCollection,
  parseAnsibleCoreVersion,
  parseAnsibleVersionOutput,
} from '../../src/doctor/toolchain.js';
import { parseInventoryIni } from '../../src/inventory/parse-hosts.js';

describe('ansible-playbook --version', () => {
  it('reads the core version, collection paths and module location', () => {
    const out = [
      'ansible-playbook [core 2.14.18]',
      '  config file = None',
      '  ansible python module location = /usr/lib/python3/dist-packages/ansible',
      '  ansible collection location = /root/.ansible/collections:/usr/share/ansible/collections',
      '  executable location = /usr/bin/ansible-playbook',
    ].join('\n');
    expect(parseAnsibleVersionOutput(out)).toEqual({
      coreVersion: '2.14.18',
      collectionPaths: ['/root/.ansible/collections', '/usr/share/ansible/collections'],
      moduleLocation: '/usr/lib/python3/dist-packages/ansible',
    });
    expect(parseAnsibleCoreVersion('ansible-playbook 2.9.27')).toBe('2.9.27');
    expect(parseAnsibleCoreVersion('ansible-playbook [core 2.17.0rc1]')).toBe('2.17.0rc1');
    expect(parseAnsibleCoreVersion('garbage')).toBeUndefined();
  });
});

describe('collection checks', () => {
  // A collection folder as ansible-galaxy (MANIFEST.json) or a source checkout (galaxy.yml) leaves it.
  const collection = (root: string, name: string, version: string, kind: 'manifest' | 'galaxy') => {
    const dir = join(root, 'ansible_collections', ...name.split('.'));
    mkdirSync(dir, { recursive: true });
    if (kind === 'manifest')
      writeFileSync(join(dir, 'MANIFEST.json'), JSON.stringify({ collection_info: { version } }));
    else writeFileSync(join(dir, 'galaxy.yml'), `namespace: x\nversion: ${version}\n`);
  };
  it('uses the first copy in search order, then the full package bundle; names a shadowed newer copy', async () => {
    const tmp = mkdtempSync(join(tmpdir(), 'matrix-oob-collections-'));
    try {
      // The full "ansible" package: ansible_collections beside the ansible module.
      collection(join(tmp, 'site'), 'community.docker', '3.4.7', 'manifest');
      collection(join(tmp, 'site'), 'community.general', '6.6.2', 'manifest');
      collection(join(tmp, 'user'), 'community.docker', '3.5.0', 'galaxy');
      collection(join(tmp, 'later'), 'community.docker', '4.0.0', 'manifest');
      const info = {
        notFound: false,
        exitCode: 0,
        stderr: '',
        coreVersion: '2.15.1',
        collectionPaths: [join(tmp, 'user'), join(tmp, 'later')],
        moduleLocation: join(tmp, 'site', 'ansible'),
      };
      const docker = await checkCollection(info, 'community.docker', '3.6.0', {});
      expect(docker).toMatchObject({ status: 'fail', summary: '3.5.0 is older than 3.6.0' });
      expect(docker.details).toEqual([
        `found in ${join(tmp, 'user', 'ansible_collections')}`,
        `4.0.0 in ${join(tmp, 'later', 'ansible_collections')} is not used: ${join(tmp, 'user', 'ansible_collections')} comes first`,
      ]);
      const general = await checkCollection(info, 'community.general', undefined, {});
      expect(general).toMatchObject({ status: 'pass', summary: '6.6.2 (bundled with the ansible package)' });
      const hidden = await checkCollection(info, 'community.general', undefined, {
        ANSIBLE_COLLECTIONS_SCAN_SYS_PATH: 'false',
      });
      expect(hidden.status).toBe('fail');
      expect(hidden.fix).toContain('"pipx install ansible"');
      const noAnsible = await checkCollection(
        { ...info, notFound: true },
        'community.general',
        undefined,
        {},
      );
      expect(noAnsible.status).toBe('skip');
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  });
});

describe('parseInventoryIni', () => {
  it('reads groups, host variables, comments and :vars sections', () => {
    const inv = parseInventoryIni(
      [
        '# comment',
        'lonely',
        '[matrix_servers]',
        'matrix.example.com ansible_host=203.0.113.10 ansible_ssh_user="root" # inline',
        '; another comment',
        '[matrix_servers:vars]',
        'ansible_python_interpreter=/usr/bin/python3',
        '[all:children]',
        'matrix_servers',
      ].join('\n'),
    );
    expect(inv.ungrouped.map((h) => h.name)).toEqual(['lonely']);
    expect(inv.groups).toEqual([
      {
        name: 'matrix_servers',
        line: 3,
        hosts: [
          {
            name: 'matrix.example.com',
            line: 4,
            vars: { ansible_host: '203.0.113.10', ansible_ssh_user: 'root' },
          },
        ],
      },
    ]);
    expect(inv.groupVars.matrix_servers).toEqual({ ansible_python_interpreter: '/usr/bin/python3' });
  });
});

describe('findRenamed', () => {
  it('names old variables with their fate, and leaves modern ones alone', () => {
    const found = findRenamed([
      'matrix_domain',
      'host_specific_hostname_identity',
      'matrix_riot_web_themes_enabled',
      'matrix_coturn_enabled',
      'matrix_postgres_connection_password',
      'matrix_synapse_macaroon_secret_key',
      'coturn_enabled',
    ]);
    expect(found.map((f) => [f.name, f.severity])).toEqual([
      ['host_specific_hostname_identity', 'fail'],
      ['matrix_coturn_enabled', 'fail'],
      ['matrix_postgres_connection_password', 'fail'],
      ['matrix_riot_web_themes_enabled', 'fail'],
      ['matrix_synapse_macaroon_secret_key', 'warn'],
    ]);
    expect(found.find((f) => f.name === 'matrix_coturn_enabled')?.advice).toContain('coturn_enabled');
    expect(found.find((f) => f.name === 'matrix_riot_web_themes_enabled')?.advice).toContain(
      'matrix_client_element_themes_enabled',
    );
  });
});

describe('report', () => {
  it('is ok with warnings, not with a failure', () => {
    const warn = summarise([{ id: 'a', title: 'A', status: 'warn', summary: 's', fix: 'f' }]);
    expect(warn.ok).toBe(true);
    expect(renderTable(warn, false)).toContain('WARN  A           s');
    const fail = summarise([
      { id: 'a', title: 'A', status: 'pass', summary: 's' },
      { id: 'b', title: 'B', status: 'fail', summary: 't', fix: 'do this', details: ['why'] },
    ]);
    expect(fail.ok).toBe(false);
    const table = renderTable(fail, false);
    expect(table).toContain('fix: do this');
    expect(table).toContain('1 passed, 0 warnings, 1 failed');
  });
});
