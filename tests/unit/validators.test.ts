import { jest } from '@jest/globals';
import { addressProblem, checkDomain, didYouMean, localpartProblem } from '../../src/config/validators.js';

describe('checkDomain', () => {
  it('accepts a plain lowercase domain', () => {
    expect(checkDomain('example.com')).toEqual({ value: 'example.com' });
  });
  it('converts an IDN to its ASCII form', () => {
    expect(checkDomain('bücher.example').value).toBe('xn--bcher-kva.example');
  });
  it.each([
    ['https://example.com/x', 'must not contain a scheme ("https://"): write just "example.com"'],
    ['example.com/path', 'must not contain a path: write just "example.com"'],
    ['example.com:8448', 'must not contain a port: write just "example.com"'],
    ['example.com.', 'must not end with a dot: write "example.com"'],
    ['Example.COM', 'must be lowercase (Matrix user IDs are): write "example.com"'],
    ['', 'is empty: give the base domain of your user IDs, like example.com'],
  ])('rejects %j', (input, message) => {
    expect(checkDomain(input).error).toBe(message);
  });
  it('warns when the domain starts with matrix.', () => {
    const r = checkDomain('matrix.example.com');
    expect(r.value).toBe('matrix.example.com');
    expect(r.warning).toContain('use "example.com"');
  });
  it('rejects a 64-character label and a 254-character name', () => {
    expect(checkDomain(`${'a'.repeat(64)}.com`).error).toContain('at most 63');
    expect(checkDomain(`${'a.'.repeat(126)}com`).error).toContain('at most 253');
  });
});

describe('addressProblem', () => {
  it.each(['203.0.113.10', '2001:db8::10', 'host.example.net'])('accepts %s', (a) => {
    expect(addressProblem(a)).toBeUndefined();
  });
  it('names the bad value', () => {
    expect(addressProblem('10.0.0.300')).toMatch(
      /^"10\.0\.0\.300" is not an IPv4\/IPv6 address or host name/,
    );
  });
});

describe('localpartProblem', () => {
  it('follows Matrix rules', () => {
    expect(localpartProblem('analyst_1.a=b-c/d+e')).toBeUndefined();
    expect(localpartProblem('Alice')).toContain('write "alice"');
    expect(localpartProblem('@alice:example.com')).toContain('write "alice"');
    expect(localpartProblem('al ice')).toContain('may only contain');
    expect(localpartProblem('a'.repeat(250), 'example.com')).toContain('at most 255');
  });
});

describe('didYouMean', () => {
  it('suggests the nearest known key', () => {
    expect(didYouMean('adress', ['address', 'ssh_user'])).toBe('address');
    expect(didYouMean('zzzzzzzz', ['address', 'ssh_user'])).toBeUndefined();
  });
});

describe('secret redaction rules', () => {
  it('finds MDAD and Ansible connection secrets by key name, at any depth, numbers too', async () => {
    const { secretValuesOf } = await import('../../src/secrets/keys.js');
    expect(
      secretValuesOf({
        matrix_homeserver_generic_secret_key: 'g',
        postgres_connection_password: 'p',
        ansible_become_password: 'b',
        ansible_become_pass: 'b2',
        ansible_ssh_pass: 's',
        some_api_token: 1234567,
        matrix_domain: 'example.com',
        nested: { smtp_password: 'n', host: 'h' },
        matrix_client_element_enabled: true,
      }),
    ).toEqual(['g', 'p', 'b', 'b2', 's', '1234567', 'n']);
  });

  it('redacts the shell-quoted form Ansible prints', async () => {
    const { Redactor } = await import('../../src/secrets/redact.js');
    const r = new Redactor(["it's a secret"]);
    expect(r.redact(`cmd: register -p 'it'"'"'s a secret'`)).toBe("cmd: register -p '[REDACTED]'");
  });

  it('parses Ansible YAML without printing warnings that quote secret lines', async () => {
    const { parseVarsDocument } = await import('../../src/inventory/yaml-doc.js');
    const warn = jest.spyOn(process, 'emitWarning').mockImplementation(() => undefined);
    const log = jest.spyOn(console, 'warn').mockImplementation(() => undefined);
    try {
      const doc = parseVarsDocument(
        'a: !unsafe "x{{"\nb: !vault |\n  $ANSIBLE_VAULT;1.1\nc: !custom secret-value\n',
      );
      expect(doc.toJS()).toMatchObject({ a: 'x{{', c: 'secret-value' });
      expect(warn).not.toHaveBeenCalled();
      expect(log).not.toHaveBeenCalled();
    } finally {
      warn.mockRestore();
      log.mockRestore();
    }
  });
});
