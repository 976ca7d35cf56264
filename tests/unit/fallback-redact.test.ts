import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { caseRedactor } from '../../src/ansible/case.js';
import { parseVars, VarsSyntaxError } from '../../src/inventory/vars-file.js';

describe('caseRedactor with fallback servers', () => {
  it("redacts every server's vars.yml secrets, not only the main one's", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'matrix-oob-redact-'));
    try {
      const hostVars = join(dir, 'inventory', 'host_vars');
      const secrets: Record<string, string> = {
        'matrix.example.com': `${'A'.repeat(20)}mainsecret0123456789`,
        'matrix.other.org': `${'B'.repeat(20)}fallbacksecret012345`,
      };
      for (const [host, secret] of Object.entries(secrets)) {
        mkdirSync(join(hostVars, host), { recursive: true });
        writeFileSync(join(hostVars, host, 'vars.yml'), `matrix_homeserver_generic_secret_key: ${secret}\n`);
      }
      const redactor = await caseRedactor({
        vars: join(hostVars, 'matrix.example.com', 'vars.yml'),
        credentialsDir: join(dir, 'credentials'),
      });
      const line = `key=${secrets['matrix.example.com']} other=${secrets['matrix.other.org']}`;
      const out = redactor.redact(line);
      for (const s of Object.values(secrets)) expect(out).not.toContain(s);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("redacts what can be read of a vars.yml that does not parse (an alias to nothing), and doesn't throw", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'matrix-oob-redact-'));
    try {
      const vars = join(dir, 'inventory', 'host_vars', 'matrix.example.com', 'vars.yml');
      mkdirSync(join(vars, '..'), { recursive: true });
      const secret = `${'C'.repeat(20)}brokenfilesecret0123`;
      writeFileSync(vars, `matrix_homeserver_generic_secret_key: ${secret}\nbroken: *nowhere\n`);
      const redactor = await caseRedactor({ vars, credentialsDir: join(dir, 'credentials') });
      expect(redactor.redact(`line 2 of vars.yml: ${secret}`)).toBe('line 2 of vars.yml: [REDACTED]');
      // The file itself is refused with its line, never a ReferenceError.
      expect(() => parseVars(`a: 1\nbroken: *nowhere\n`)).toThrow(new VarsSyntaxError(2, 9));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
