import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { systemClock } from '../../src/adapters/clock.js';
import { casePaths } from '../../src/case/paths.js';
import { readState, writeSection } from '../../src/case/state.js';
import { checkoutDerivations, derivedSecrets } from '../../src/secrets/derived.js';
import { memoryOutput } from '../../src/ui/output.js';
import { renderCard, type SummaryCard } from '../../src/up/card.js';
import { StepRunner } from '../../src/up/engine.js';
import { hookFailures, planRun, STEP_NAMES } from '../../src/up/steps.js';

const now = '2026-11-29T16:00:00.000Z';
const at = '2026-11-29T15:00:00.000Z';

describe('up: which steps a run skips', () => {
  it('has the steps in the documented order', () => {
    expect(STEP_NAMES).toEqual([
      'init',
      'dns',
      'playbook',
      'host-key',
      'doctor',
      'pre-setup',
      'setup',
      'post-setup',
      'start',
      'post-start',
      'users',
      'post-users',
    ]);
  });

  it('starts a new run without state, after a completed run, or with --from-start', () => {
    const done = { started_at: at, finished_at: at, steps: { setup: { status: 'finished' as const, at } } };
    for (const [last, fromStart] of [
      [null, false],
      [done, false],
      [{ ...done, finished_at: undefined }, true],
    ] as const) {
      const r = planRun(last, { fromStart, now });
      expect(r).toEqual({ state: { started_at: now, steps: {} }, resume: false, skip: new Set() });
    }
  });

  it('resumes a stopped run: only its finished once-steps are skipped, never the checks', () => {
    const last = {
      started_at: at,
      steps: {
        init: { status: 'finished' as const, at },
        dns: { status: 'finished' as const, at },
        doctor: { status: 'finished' as const, at },
        'pre-setup': { status: 'finished' as const, at },
        setup: { status: 'finished' as const, at },
        'post-setup': { status: 'finished' as const, at, failed_hooks: ['20-notify'] },
        start: { status: 'failed' as const, at },
      },
    };
    const r = planRun(last, { fromStart: false, now });
    expect(r.resume).toBe(true);
    expect(r.state.started_at).toBe(at);
    expect([...r.skip]).toEqual(['pre-setup', 'setup', 'post-setup']);
    // Failures of hooks in skipped steps still reach the card.
    expect(hookFailures(r.state)).toEqual([{ event: 'post-setup', hook: '20-notify' }]);
    // An interrupted step runs again.
    const r2 = planRun(
      { ...last, steps: { ...last.steps, setup: { status: 'interrupted', at } } },
      {
        fromStart: false,
        now,
      },
    );
    expect([...r2.skip]).toEqual(['pre-setup']);
  });
});

describe('state.json sections', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'matrix-oob-state-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('writing one section keeps the others, including ones it does not know', async () => {
    const file = join(dir, 'state.json');
    await writeFile(
      file,
      JSON.stringify({
        version: 1,
        deploy: null,
        teardown: { confirmed_at: at, steps: { stop: 'finished' } },
      }),
    );
    await writeSection(file, 'up', { started_at: at, steps: {} });
    await writeSection(file, 'deploy', { plan: ['setup'], started_at: at, stages: {} });
    const data = JSON.parse(await readFile(file, 'utf8'));
    expect(data).toEqual({
      version: 1,
      deploy: { plan: ['setup'], started_at: at, stages: {} },
      up: { started_at: at, steps: {} },
      teardown: { confirmed_at: at, steps: { stop: 'finished' } },
    });
    expect((await readState(file)).teardown).toEqual({ confirmed_at: at, steps: { stop: 'finished' } });
  });
});

describe('up: the summary card', () => {
  const card: SummaryCard = {
    case_dir: '/cases/ir-1',
    domain: 'example.com',
    homeserver_url: 'https://matrix.example.com',
    element_url: null,
    users: [
      {
        name: 'lead',
        user_id: '@lead:example.com',
        admin: true,
        credentials: '/cases/ir-1/credentials/lead.txt',
      },
      { name: 'bob', user_id: '@bob:example.com', admin: false, credentials: null },
    ],
    control_room: null,
    hook_failures: [],
    next_steps: ['one', 'two'],
  };

  it('names credential files, says what is missing, and numbers the next steps', () => {
    const text = renderCard(card, false);
    expect(text).toContain('Matrix for example.com is up');
    expect(text).not.toContain('Element ');
    expect(text).toContain('@lead:example.com (admin)  /cases/ir-1/credentials/lead.txt');
    expect(text).toContain('@bob:example.com  not registered (run: matrix-oob user add --all)');
    expect(text).toContain('not created (run: matrix-oob control-room');
    expect(text).not.toContain('Hooks that failed');
    expect(text).toContain('  1. one\n  2. two');
  });
});

describe('up: the journal of a failed step', () => {
  it('redacts what MDAD derives from the case secrets, as the playbook commands do', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'matrix-oob-up-journal-'));
    try {
      const paths = casePaths(join(dir, 'case'), 'example.test');
      const checkout = join(dir, 'mdad');
      await mkdir(dirname(paths.vars), { recursive: true });
      await mkdir(join(checkout, 'group_vars'), { recursive: true });
      const generic = 'GenericSecretKey-0123456789abcdef';
      await writeFile(paths.vars, `matrix_homeserver_generic_secret_key: '${generic}'\n`);
      await writeFile(
        join(checkout, 'group_vars', 'matrix_servers'),
        "matrix_synapse_macaroon_secret_key: \"{{ (matrix_homeserver_generic_secret_key + ':synapse.mac') | hash('sha512') | to_uuid }}\"\n",
      );
      const [derived] = derivedSecrets(generic, checkoutDerivations(checkout));
      expect(derived).toMatch(/^[0-9a-f-]{36}$/);
      const steps = new StepRunner({
        paths,
        checkout,
        state: { started_at: now, steps: {} },
        skip: new Set(),
        out: memoryOutput(),
        clock: systemClock,
        signal: new AbortController().signal,
        resume: 'matrix-oob up',
      });
      const err = await steps
        .run('setup', async () => {
          throw new Error(`the server said: macaroon ${derived} is invalid`);
        })
        .catch((e: unknown) => e);
      expect(err).toBeInstanceOf(Error);
      const journal = await readFile(paths.journal, 'utf8');
      expect(journal).toContain('"stage":"setup","result":"failed"');
      expect(journal).toContain('macaroon [REDACTED] is invalid');
      expect(journal).not.toContain(derived);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
