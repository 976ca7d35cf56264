import { appendFileSync, existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import {
  FALLBACK_DOMAIN,
  FALLBACK_HOST,
  MAIN_DOMAIN,
  MAIN_HOST,
  writeFallbackCase,
} from '../helpers/case.js';
import { cli, fallbackEnv } from '../helpers/cli-process.js';
import { fixtureSuite } from '../helpers/fixture-suite.js';

// teardown of a two-server case on the fixture playbook, two loopback sshd servers.
describe('teardown with a fallback server', () => {
  const bed = fixtureSuite({ name: 'fb-teardown', fallback: true });

  /** A deployed two-server case whose data folders are <dir>/<name>-data/<host>. */
  async function deployed(name: string) {
    const caseDir = writeFallbackCase(join(bed.dir, name), bed.sshd, bed.fallback, bed.checkout);
    const data = join(bed.dir, `${name}-data`);
    for (const host of [MAIN_HOST, FALLBACK_HOST]) {
      appendFileSync(
        join(caseDir, 'inventory', 'host_vars', host, 'vars.yml'),
        `\nmatrix_base_data_path: ${join(data, host)}\n`,
      );
    }
    const env = fallbackEnv(bed.sshd, bed.fallback, data, join(bed.dir, 'tmp'));
    const r = await cli(['-C', caseDir, 'deploy'], env);
    expect(r.stderr).toContain('deploy finished');
    return { caseDir, data, env };
  }
  const vars = (caseDir: string, host: string) => join(caseDir, 'inventory', 'host_vars', host, 'vars.yml');

  it('teardown removes every server and every server secret', async () => {
    const { caseDir, data, env } = await deployed('all');
    const r = await cli(['-C', caseDir, 'teardown', '--confirm', MAIN_DOMAIN], env);
    expect(r.stderr).toContain('teardown finished');
    expect(r.exitCode).toBe(0);
    expect(r.stderr).toContain(`On the fallback server ${FALLBACK_HOST}`);
    expect(existsSync(join(data, MAIN_HOST))).toBe(false);
    expect(existsSync(join(data, FALLBACK_HOST))).toBe(false);
    expect(existsSync(vars(caseDir, MAIN_HOST))).toBe(false);
    expect(existsSync(vars(caseDir, FALLBACK_HOST))).toBe(false);
    expect(existsSync(join(caseDir, 'inventory', 'host_vars'))).toBe(false);
  }, 240_000);

  it('teardown --only removes one fallback server and keeps the case on the others', async () => {
    const { caseDir, data, env } = await deployed('only');
    const dry = await cli(['-C', caseDir, 'teardown', '--only', FALLBACK_DOMAIN, '--dry-run'], env);
    expect(dry.exitCode).toBe(0);
    expect(dry.stdout).toContain(`--limit ${FALLBACK_HOST}`);
    expect(existsSync(join(data, FALLBACK_HOST, 'installed'))).toBe(true);

    const refused = await cli(
      ['-C', caseDir, 'teardown', '--only', MAIN_DOMAIN, '--confirm', MAIN_DOMAIN],
      env,
    );
    expect(refused.exitCode).toBe(2);
    expect(refused.stderr).toContain('the main server cannot be removed alone');
    const wrong = await cli(
      ['-C', caseDir, 'teardown', '--only', FALLBACK_DOMAIN, '--confirm', MAIN_DOMAIN],
      env,
    );
    expect(wrong.exitCode).toBe(2);
    expect(existsSync(join(data, FALLBACK_HOST, 'installed'))).toBe(true);

    const r = await cli(
      ['-C', caseDir, 'teardown', '--only', FALLBACK_DOMAIN, '--confirm', FALLBACK_DOMAIN],
      env,
    );
    expect(r.stderr).toContain(`${FALLBACK_HOST} is removed`);
    expect(r.exitCode).toBe(0);
    // Wiped there only; the main server is untouched.
    expect(existsSync(join(data, FALLBACK_HOST))).toBe(false);
    expect(existsSync(join(data, MAIN_HOST, 'installed'))).toBe(true);
    expect(existsSync(join(data, MAIN_HOST, 'started'))).toBe(true);
    // Its secrets are gone; it left the config and the inventory; the main server's whitelist follows.
    expect(existsSync(join(caseDir, 'inventory', 'host_vars', FALLBACK_HOST))).toBe(false);
    expect(parse(readFileSync(join(caseDir, 'matrix-oob.yml'), 'utf8')).fallback).toBeUndefined();
    expect(readFileSync(join(caseDir, 'inventory', 'hosts'), 'utf8')).not.toContain(FALLBACK_HOST);
    const mainVars = parse(readFileSync(vars(caseDir, MAIN_HOST), 'utf8'));
    expect(mainVars.matrix_synapse_federation_domain_whitelist).toBeUndefined();
    expect(mainVars.matrix_base_data_path).toBe(join(data, MAIN_HOST)); // the operator's key survives
    expect(readFileSync(join(caseDir, 'journal.jsonl'), 'utf8')).toContain(
      `"command":"teardown --only ${FALLBACK_DOMAIN}","stage":"remove","result":"ok"`,
    );
  }, 240_000);
});
