import { runCli } from '../helpers/cli.js';
import { type E2eeHomeserver, ROUTES } from '../helpers/e2ee-homeserver.js';
import { HttpError } from '../helpers/e2ee-homeserver-types.js';
import type { Participant } from '../helpers/participant.js';
import { startRecordCase, stopRecordCase } from '../helpers/record-case.js';

// What the recorder prints as a warning quotes the server (through the SDK's errors): a hostile
// server's words reach the operator's terminal as one printable line, never as terminal controls.
describe('matrix-oob record: warnings', () => {
  let hs: E2eeHomeserver;
  let alice: Participant;
  let kase: { dir: string; cleanup(): Promise<void> };
  const joins = ROUTES.filter((r) => r.method === 'POST' && /\/join(\/|$)/.test(r.path));
  const original = joins.map((r) => r.handler);

  beforeAll(async () => {
    ({ hs, alice, kase } = await startRecordCase());
  }, 60_000);

  afterAll(async () => {
    joins.forEach((r, i) => {
      r.handler = original[i] as typeof r.handler;
    });
    await stopRecordCase({ hs, alice, kase });
  });

  it('a refused join is one printable warning line', async () => {
    expect(joins).toHaveLength(2);
    for (const r of joins) {
      r.handler = () => {
        throw new HttpError(403, 'M_FORBIDDEN', 'no entry \u001b[2J\u001b[31mred\u202egnp.exe\nsecond line');
      };
    }
    const r = await runCli(['--case', kase.dir, 'record', '--once'], {
      env: { MATRIX_OOB_RECORD_URL: hs.url },
    });
    expect(r.exitCode).toBe(0);
    expect(r.stderr).toMatch(/^warning: MatrixError: \[403\] no entry .*red.*gnp\.exe.second line/m);
    // biome-ignore lint/suspicious/noControlCharactersInRegex: looking for terminal controls is the point
    expect(r.stderr).not.toMatch(/\u001b|\u202e/);
  }, 90_000);
});
