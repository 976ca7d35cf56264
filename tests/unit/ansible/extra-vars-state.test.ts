import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { extraVarsYaml, withExtraVarsFile } from '../../../src/ansible/extra-vars.js';
import { playbookCommand } from '../../../src/ansible/run.js';
import { checkExtraArgs, commandLine, isRehearsal } from '../../../src/ansible/summary.js';
import { type DeployState, stagesToRun } from '../../../src/case/state.js';
import { UserError } from '../../../src/errors.js';

describe('extra-vars file', () => {
  it("quotes the password as !unsafe single-quoted YAML with ' doubled, admin as a string", () => {
    expect(extraVarsYaml({ username: 'a', password: `it's {{ x }}`, admin: 'yes' }, ['password'])).toBe(
      "---\nusername: 'a'\npassword: !unsafe 'it''s {{ x }}'\nadmin: 'yes'\n",
    );
  });
  it('refuses a value with a line break', () => {
    expect(() => extraVarsYaml({ password: 'a\nb' }, ['password'])).toThrow(/line break/);
  });
  it('writes 0600 in a 0700 folder and removes it on success and on failure', async () => {
    const base = mkdtempSync(join(tmpdir(), 'matrix-oob-ev-'));
    try {
      let seen = '';
      await withExtraVarsFile(
        { password: 'p' },
        ['password'],
        async (file) => {
          seen = file;
          expect(statSync(file).mode & 0o777).toBe(0o600);
          expect(statSync(join(file, '..')).mode & 0o777).toBe(0o700);
          expect(readFileSync(file, 'utf8')).toContain("password: !unsafe 'p'");
        },
        base,
      );
      expect(existsSync(seen)).toBe(false);
      await expect(
        withExtraVarsFile(
          { password: 'p' },
          ['password'],
          async () => {
            throw new Error('boom');
          },
          base,
        ),
      ).rejects.toThrow('boom');
      expect(readdirSync(base)).toEqual([]);
    } finally {
      rmSync(base, { recursive: true, force: true });
    }
  });
});

describe('resume state', () => {
  const plan = ['setup', 'start'];
  const st = (stages: Record<string, 'finished' | 'failed'>): DeployState => ({
    version: 1,
    deploy: {
      plan,
      started_at: 't',
      stages: Object.fromEntries(
        Object.entries(stages).map(([k, v]) => [
          k,
          { status: v, at: 't', tags: [], exit_code: v === 'finished' ? 0 : 2 },
        ]),
      ),
    },
  });
  it('runs everything without state', () => {
    expect(stagesToRun({ version: 1, deploy: null }, plan)).toEqual({ run: plan, skipped: [] });
  });
  it('skips the stages finished before a failure', () => {
    expect(stagesToRun(st({ setup: 'finished', start: 'failed' }), plan)).toEqual({
      run: ['start'],
      skipped: ['setup'],
    });
  });
  it('does not skip a stage that ran with other tags (--full after a plain run)', () => {
    const full = { setup: ['setup-all', 'ensure-matrix-users-created'], start: ['start'] };
    expect(stagesToRun(st({ setup: 'finished', start: 'failed' }), plan, full)).toEqual({
      run: plan,
      skipped: [],
    });
  });
  it('starts over after a complete run', () => {
    expect(stagesToRun(st({ setup: 'finished', start: 'finished' }), plan)).toEqual({
      run: plan,
      skipped: [],
    });
  });
});

describe('pass-through arguments', () => {
  it('refuses those that would break the stage or prompt', () => {
    expect(() => checkExtraArgs(['--tags=setup-main'])).toThrow(UserError);
    expect(() => checkExtraArgs(['-i', 'x'])).toThrow(/sets the inventory/);
    expect(() => checkExtraArgs(['--ask-become-pass'])).toThrow(/cannot prompt/);
    expect(() => checkExtraArgs(['-v', '--limit', 'h', '--check'])).not.toThrow();
  });
  it('knows a rehearsal', () => {
    expect(isRehearsal(['--check'])).toBe(true);
    expect(isRehearsal(['-v'])).toBe(false);
  });
  it('prints a command a shell can run as is', () => {
    const cmd = playbookCommand(
      {
        caseCtx: {
          checkout: '/co dir',
          paths: { hosts: '/c/inventory/hosts', knownHosts: '/c/known_hosts', logsDir: '/c/logs' },
        },
        tags: ['install-all', 'ensure-matrix-users-created'],
        extraArgs: ['-v'],
      },
      false,
    );
    expect(commandLine(cmd)).toBe(
      `cd '/co dir' && ANSIBLE_SSH_ARGS='-C -o ControlMaster=auto -o ControlPersist=60s -o StrictHostKeyChecking=yes -o '\\''UserKnownHostsFile="/c/known_hosts"'\\'' -o GlobalKnownHostsFile=/dev/null -o KnownHostsCommand=none -o VerifyHostKeyDNS=no -o UpdateHostKeys=no -o CheckHostIP=no' ANSIBLE_HOST_KEY_CHECKING=True ANSIBLE_NOCOLOR=1 PYTHONUNBUFFERED=1 ansible-playbook -i /c/inventory/hosts setup.yml --tags=install-all,ensure-matrix-users-created -v`,
    );
  });
});

describe('ansible environment', () => {
  it('forces colour only when wanted, and always pins the case known_hosts', async () => {
    const { ansibleEnv } = await import('../../../src/ansible/env.js');
    const base = {
      PATH: '/bin',
      FORCE_COLOR: '1',
      ANSIBLE_NOCOLOR: '1',
      ANSIBLE_SSH_ARGS: '-o StrictHostKeyChecking=no',
    };
    const on = ansibleEnv({ knownHosts: '/c/known hosts', colour: true, base });
    expect(on.ANSIBLE_FORCE_COLOR).toBe('1');
    expect(on.ANSIBLE_NOCOLOR).toBeUndefined();
    // One shlex word for Ansible, and a double-quoted value for ssh (which splits on spaces).
    expect(on.ANSIBLE_SSH_ARGS).toContain(`-o 'UserKnownHostsFile="/c/known hosts"'`);
    expect(on.ANSIBLE_SSH_ARGS).not.toContain('StrictHostKeyChecking=no');
    expect(on.ANSIBLE_HOST_KEY_CHECKING).toBe('True');
    const off = ansibleEnv({ knownHosts: '/c/kh', colour: false, base });
    expect(off.ANSIBLE_NOCOLOR).toBe('1');
    expect(off.ANSIBLE_FORCE_COLOR).toBeUndefined();
    expect(off.FORCE_COLOR).toBeUndefined();
    expect(off.PATH).toBe('/bin');
  });
});

describe('environment warnings', () => {
  it('warns about settings that make Ansible write secrets down', async () => {
    const { ansibleEnvWarnings } = await import('../../../src/ansible/env.js');
    expect(ansibleEnvWarnings({})).toEqual([]);
    expect(
      ansibleEnvWarnings({ ANSIBLE_LOG_PATH: '/tmp/a.log', ANSIBLE_KEEP_REMOTE_FILES: '1' }),
    ).toHaveLength(2);
    expect(ansibleEnvWarnings({ ANSIBLE_KEEP_REMOTE_FILES: 'false' })).toEqual([]);
  });
});
