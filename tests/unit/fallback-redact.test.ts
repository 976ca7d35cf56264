import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { caseRedactor } from '../../src/ansible/case.js';

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
});
