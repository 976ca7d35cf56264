import { Detector, type Snapshot } from '../../src/watch/detect.js';
import type { LogEvent } from '../../src/watch/log-lines.js';
import { OWN_LOGIN_SKEW_MS } from '../../src/watch/own-logins.js';

const D = 'oob.test';
const LEAD = `@lead:${D}`;
const CASE = [LEAD, `@analyst1:${D}`];
const T0 = Date.UTC(2026, 10, 29, 9, 0, 0);
const iso = (ms: number) => new Date(ms).toISOString();
const login = (device: string, atMs: number, cursor: string): LogEvent => ({
  kind: 'login',
  user: LEAD,
  device,
  at: iso(atMs),
  request: 'POST-1',
  cursor,
});
const devices = (atMs: number, ids: string[]): Snapshot => ({
  at: iso(atMs),
  accounts: new Map([
    [LEAD, { connections: [], devices: ids.map((deviceId) => ({ deviceId, displayName: undefined })) }],
  ]),
});
const kinds = (alerts: { kind: string; device?: string }[]) => alerts.map((a) => `${a.kind} ${a.device}`);

/** A state with a baseline (LEADPHONE) taken at T0, and a run logging in as WATCH1 at T0+1h. */
function run1(): Detector {
  const base = new Detector(undefined, CASE, new Date(T0));
  expect(base.observeSnapshot(devices(T0, ['LEADPHONE']))).toEqual([]);
  const d = new Detector(structuredClone(base.state), CASE, new Date(T0 + 3_600_000));
  d.ownLogin({ user: LEAD, device: 'WATCH1', from: iso(T0 + 3_600_000), to: iso(T0 + 3_600_300) });
  return d;
}

describe("the detector and watch's own logins", () => {
  it('skips the line of its own login once; a second login with that device ID is an alert', () => {
    const d = run1();
    expect(d.observeSnapshot(devices(T0 + 3_600_400, ['LEADPHONE', 'WATCH1']))).toEqual([]);
    expect(d.observeLog(login('WATCH1', T0 + 3_600_200, 'c1'))).toEqual([]);
    expect(kinds(d.observeLog(login('WATCH1', T0 + 3_600_500, 'c2')))).toEqual(['new-device WATCH1']);
  });

  it("a later run skips an earlier run's line it had not read, within that run's window only", () => {
    const first = run1();
    const state = structuredClone(first.state);
    expect(state.own_devices).toEqual([
      { user: LEAD, device: 'WATCH1', from: iso(T0 + 3_600_000), to: iso(T0 + 3_600_300), logged: false },
    ]);
    const later = new Detector(state, CASE, new Date(T0 + 7_200_000));
    later.ownLogin({ user: LEAD, device: 'WATCH2', from: iso(T0 + 7_200_000), to: iso(T0 + 7_200_100) });
    // Its line, with the server's clock a little ahead: the watch's own.
    expect(later.observeLog(login('WATCH1', T0 + 3_600_300 + OWN_LOGIN_SKEW_MS, 'c1'))).toEqual([]);
    expect(later.state.own_devices[0]?.logged).toBe(true);
    // The earlier run's device listed again (its logout failed) is not this run's: an alert.
    expect(kinds(later.observeSnapshot(devices(T0 + 7_200_200, ['LEADPHONE', 'WATCH1', 'WATCH2'])))).toEqual([
      'new-device WATCH1',
    ]);
  });

  it("a login reusing an earlier run's device ID outside its window is an alert, even if its line was never read", () => {
    const later = new Detector(structuredClone(run1().state), CASE, new Date(T0 + 7_200_000));
    expect(kinds(later.observeLog(login('WATCH1', T0 + 3_600_301 + OWN_LOGIN_SKEW_MS, 'c9')))).toEqual([
      'new-device WATCH1',
    ]);
    const before = new Detector(structuredClone(run1().state), CASE, new Date(T0 + 7_200_000));
    expect(kinds(before.observeLog(login('WATCH1', T0 + 3_599_999 - OWN_LOGIN_SKEW_MS, 'c8')))).toEqual([
      'new-device WATCH1',
    ]);
  });

  it('adopts the own logins another process recorded, and that it read their lines', () => {
    const mine = run1();
    const other = run1();
    other.ownLogin({ user: LEAD, device: 'WATCH9', from: iso(T0 + 3_600_050), to: iso(T0 + 3_600_060) });
    expect(other.observeLog(login('WATCH1', T0 + 3_600_100, 'c1'))).toEqual([]);
    mine.adopt(structuredClone(other.state));
    expect(mine.state.own_devices.map((l) => `${l.device} ${l.logged}`)).toEqual([
      'WATCH1 true',
      'WATCH9 false',
    ]);
    // The line was read by the other process: here too, a second one is someone else.
    expect(kinds(mine.observeLog(login('WATCH1', T0 + 3_600_150, 'c2')))).toEqual(['new-device WATCH1']);
    expect(mine.observeLog(login('WATCH9', T0 + 3_600_055, 'c3'))).toEqual([]);
  });
});
