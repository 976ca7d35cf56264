import { extraVarsValues, hasOption, optionValues, parseAnsibleArgs } from '../../../src/ansible/args.js';
import { hasOwnLimit } from '../../../src/ansible/host-limit.js';
import { checkExtraArgs, isRehearsal } from '../../../src/ansible/summary.js';
import { UserError } from '../../../src/errors.js';
import { passThroughProblems } from '../../../src/ssh/pin-guard.js';

// ansible-playbook (argparse) takes abbreviated long options and clusters of short ones; every
// check of pass-through arguments must read them as Ansible does (each spelling below was run
// against ansible-core 2.14: `--extra foo=1`, `-ve foo=1` and `-vefoo=1` all set foo).
describe('pass-through arguments as Ansible reads them', () => {
  it('finds -e values in every spelling', () => {
    for (const args of [
      ['-e', 'a=1'],
      ['-ea=1'],
      ['-e=a=1'],
      ['--extra-vars', 'a=1'],
      ['--extra-vars=a=1'],
      ['--extra', 'a=1'],
      ['--extra=a=1'],
      ['--ex', 'a=1'],
      ['-ve', 'a=1'],
      ['-vvvea=1'],
      ['-Ce', 'a=1'],
    ]) {
      expect(extraVarsValues(args)).toEqual(['a=1']);
    }
  });

  it('reads values as values, positionals as positionals, and unknown or ambiguous options as themselves', () => {
    expect(extraVarsValues(['--limit', '-e', 'a=1'])).toEqual(['a=1']);
    expect(optionValues(['--ssh-common', '-o StrictHostKeyChecking=no'], '--ssh-common-args')).toEqual([
      '-o StrictHostKeyChecking=no',
    ]);
    expect(extraVarsValues(['-v', 'site.yml'])).toEqual([]);
    expect(parseAnsibleArgs(['--s', 'x'])).toEqual([
      { name: undefined, value: '--s', raw: '--s' },
      { name: undefined, value: 'x', raw: 'x' },
    ]);
    expect(parseAnsibleArgs(['--', '-e', 'a=1']).every((a) => a.name === undefined)).toBe(true);
    expect(hasOption(['-vvl', 'h'], '--limit')).toBe(true);
    expect(hasOption(['-v'], '--limit')).toBe(false);
  });

  it('refuses a secret on the command line however -e is spelled', () => {
    for (const args of [
      ['--extra', 'ansible_become_password=hunter2'],
      ['--extra-v=ansible_become_password=hunter2'],
      ['-ve', 'ansible_become_password=hunter2'],
      ['-vvveansible_become_password=hunter2'],
    ]) {
      expect(() => checkExtraArgs(args)).toThrow(
        /"-e ansible_become_password=\.\.\." cannot be passed through/,
      );
    }
  });

  it('refuses inventory, tags and prompts however they are spelled', () => {
    expect(() => checkExtraArgs(['--inv', 'x'])).toThrow(/sets the inventory/);
    expect(() => checkExtraArgs(['-vi', 'x'])).toThrow(/sets the inventory/);
    expect(() => checkExtraArgs(['--tag=setup-all'])).toThrow(/sets the inventory and the tags/);
    expect(() => checkExtraArgs(['-vK'])).toThrow(/cannot prompt/);
    expect(() => checkExtraArgs(['--ask-b'])).toThrow(/cannot prompt/);
    expect(() => checkExtraArgs(['-v', '--lim', 'h', '--che', '--diff'])).not.toThrow(UserError);
  });

  it('knows a rehearsal and an own --limit however they are spelled', () => {
    expect(isRehearsal(['--che'])).toBe(true);
    expect(isRehearsal(['-vC'])).toBe(true);
    expect(isRehearsal(['--syntax'])).toBe(true);
    expect(isRehearsal(['-vD'])).toBe(false);
    expect(hasOwnLimit(['--lim=matrix.a'])).toBe(true);
    expect(hasOwnLimit(['-vlmatrix.a'])).toBe(true);
    expect(hasOwnLimit(['-v', 'matrix.a'])).toBe(false);
  });

  it('the pin guard sees abbreviated and clustered options', () => {
    expect(passThroughProblems(['--extra', 'ansible_ssh_args=-o StrictHostKeyChecking=no'], '/')).toEqual([
      expect.stringMatching(/ansible_ssh_args is set/),
    ]);
    expect(passThroughProblems(['-ve', 'ansible_ssh_executable=/tmp/x'], '/')).toHaveLength(1);
    expect(passThroughProblems(['--ssh-c', '-o StrictHostKeyChecking=no'], '/')).toEqual([
      expect.stringMatching(/^--ssh-common-args sets StrictHostKeyChecking/),
    ]);
    expect(passThroughProblems(['-vcparamiko'], '/')).toEqual([expect.stringMatching(/^-c paramiko: /)]);
    // A value that starts with "-" is not taken as the option's value by the parse: still refused.
    expect(passThroughProblems(['--ssh-extra-args', '-C -o StrictHostKeyChecking=no'], '/')).toEqual([
      `"-C -o StrictHostKeyChecking=no" sets StrictHostKeyChecking: only the key pinned in the case's known_hosts may be trusted`,
    ]);
    expect(passThroughProblems(['--conn=local'], '/')).toEqual([]); // ambiguous: Ansible refuses it itself
    expect(passThroughProblems(['--connection=local'], '/')).toEqual([
      expect.stringMatching(/^--connection local: /),
    ]);
    expect(passThroughProblems(['-c', 'ssh', '-v', '--limit', 'h'], '/')).toEqual([]);
  });
});
