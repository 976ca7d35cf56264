import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { checkoutDerivations, derivedSecrets } from '../../src/secrets/derived.js';
import { ROOT } from '../helpers/cli.js';

// Contract test against the REAL matrix-docker-ansible-deploy (../shared/mdad, read in place,
// never copied): every secret MDAD derives from matrix_homeserver_generic_secret_key is found by
// src/secrets/derived.ts, none is of an unknown shape, and the values we compute are the values
// real Ansible computes from MDAD's own expressions.
const TARBALL = resolve(ROOT, '../shared/mdad/matrix-docker-ansible-deploy.git.tar.gz');
const present = existsSync(TARBALL);
if (!present) console.log(`skipped: the real MDAD is absent (${TARBALL})`);

(present ? describe : describe.skip)('MDAD secret derivations (real playbook)', () => {
  let dir: string;
  let checkout: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'matrix-oob-mdad-'));
    execFileSync('tar', ['-xzf', TARBALL, '-C', dir]);
    checkout = join(dir, 'co');
    mkdirSync(checkout);
    execFileSync('sh', [
      '-c',
      'git --git-dir "$1" archive HEAD group_vars roles/custom | tar -x -C "$2"',
      'sh',
      join(dir, 'matrix-docker-ansible-deploy.git'),
      checkout,
    ]);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('finds every derivation, of known shapes only', () => {
    const d = checkoutDerivations(checkout);
    expect(d.unknown).toEqual([]);
    expect(d.uuid.length).toBeGreaterThan(100);
    expect(d.uuid).toContain(':synapse.mac'); // registration shared secret, form secret, macaroon
    expect(d.uuid).toContain(':synapse.db');
    expect(d.b64.length).toBeGreaterThanOrEqual(1);
  });

  it('computes what Ansible computes', () => {
    const key = "Test-generic-key-with-'quote-and-é";
    const d = checkoutDerivations(checkout);
    const sample = { uuid: [':synapse.mac', ':synapse.db'], b64: d.b64.slice(0, 1), unknown: [] };
    const ours = derivedSecrets(key, sample);
    const exprs = [
      ...sample.uuid.map((s) => `(k + '${s}') | hash('sha512') | to_uuid`),
      ...sample.b64.map(
        (b) => `((k + '${b.suffix}') | hash('sha512'))[:${b.length}] | b64encode | regex_replace('=+$', '')`,
      ),
    ];
    const out = execFileSync(
      'ansible',
      [
        'localhost',
        '-c',
        'local',
        '-m',
        'debug',
        '-a',
        `msg={{ [${exprs.join(', ')}] | to_json }}`,
        '-e',
        `{"k": ${JSON.stringify(key)}}`,
      ],
      {
        encoding: 'utf8',
        env: {
          ...process.env,
          ANSIBLE_LOCALHOST_WARNING: 'false',
          ANSIBLE_INVENTORY_UNPARSED_WARNING: 'false',
        },
      },
    );
    const msg = JSON.parse(out.slice(out.indexOf('=>') + 2)).msg as string;
    expect(ours).toEqual(JSON.parse(msg));
  });
});
