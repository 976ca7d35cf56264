import { createHash } from 'node:crypto';
import { type Alert, type AlertKind, itemAlertText, type Snapshot } from './alert.js';
import type { Connection } from './client.js';
import type { LogEvent } from './log-lines.js';
import { claimOwnLogin, mergeOwnLogins, type OwnLogin } from './own-logins.js';
import { untrusted } from './sanitize.js';
import { type ItemKind, itemKey, type WatchItem, type WatchState } from './store.js';

/**
 * The alert logic, pure: the remembered state plus what the sources saw now, in; alerts and the
 * updated state, out. docs/watch.md says what each alert means and what to do about it.
 */
export type { Alert, AlertKind, Snapshot } from './alert.js';

const MAX_ALERT_KEYS = 5000;

export class Detector {
  readonly state: WatchState;
  private readonly alerted: Set<string>;
  private baselining: boolean;
  /** This run's own login: its device, in the device list, is watch (docs/watch.md). */
  private own: OwnLogin | undefined;

  constructor(previous: WatchState | undefined, caseUsers: readonly string[], now: Date) {
    this.baselining = previous === undefined;
    this.state = previous ?? {
      version: 1,
      created_at: now.toISOString(),
      case_users: [...caseUsers],
      removed_users: {},
      extra_accounts: [],
      items: {},
      alerted: [],
      own_devices: [],
    };
    this.alerted = new Set(this.state.alerted);
    // A user that left the config was removed (`user remove` deactivates the account).
    for (const u of this.state.case_users) {
      if (!caseUsers.includes(u) && !(u in this.state.removed_users)) {
        this.state.removed_users[u] = now.toISOString();
      }
    }
    for (const u of caseUsers) delete this.state.removed_users[u];
    this.state.case_users = [...caseUsers];
  }

  /** Whether this run takes the baseline (no state before). */
  get isBaseline(): boolean {
    return this.baselining;
  }

  /** The accounts the state source asks about: the case, the removed, the strangers seen. */
  accountsToPoll(extra: readonly string[] = []): string[] {
    return [
      ...new Set([
        ...this.state.case_users,
        ...Object.keys(this.state.removed_users),
        ...this.state.extra_accounts,
        ...extra,
      ]),
    ];
  }

  /** This run's own login (see own-logins.ts): never an alert itself, a reuse of its ID is. */
  ownLogin(login: Omit<OwnLogin, 'logged'>): void {
    this.own = { ...login, logged: false };
    this.state.own_devices = mergeOwnLogins(this.state.own_devices, [this.own]);
  }

  /** Adopt what another process wrote meanwhile: approvals (`watch --approve`), own logins. */
  adopt(disk: WatchState | undefined): void {
    for (const [key, item] of Object.entries(disk?.items ?? {})) {
      const mine = this.state.items[key];
      if (item.status === 'approved' && mine?.status === 'new') mine.status = 'approved';
    }
    this.state.own_devices = mergeOwnLogins(this.state.own_devices, disk?.own_devices ?? []);
  }

  observeSnapshot(snap: Snapshot): Alert[] {
    const alerts: Alert[] = [];
    for (const a of snap.allAccounts ?? []) {
      // Accounts of the server outside the case are watched; deactivated ones count as removed.
      const inCase = this.state.case_users.includes(a.userId);
      if (a.deactivated && !inCase && !(a.userId in this.state.removed_users)) {
        this.state.removed_users[a.userId] = snap.at;
      }
      if (
        !inCase &&
        !(a.userId in this.state.removed_users) &&
        !this.state.extra_accounts.includes(a.userId)
      ) {
        this.state.extra_accounts.push(a.userId);
      }
    }
    for (const [user, seen] of snap.accounts) {
      for (const d of seen.devices) {
        if (user === this.own?.user && d.deviceId === this.own.device) continue;
        const lastSeen = d.lastSeenTs !== undefined ? new Date(d.lastSeenTs).toISOString() : undefined;
        const item = this.upsert(
          'device',
          user,
          d.deviceId,
          lastSeen ?? snap.at,
          'state',
          d.lastSeenUserAgent,
          alerts,
          false,
          d.lastSeenIp,
        );
        if (d.displayName !== undefined) item.display_name = d.displayName;
        if (d.lastSeenIp !== undefined) item.address = d.lastSeenIp;
        if (lastSeen)
          this.backAgain(item, lastSeen, `back|${user}|device|${d.deviceId}|${lastSeen}`, 'state', alerts);
      }
      const byIp = new Map<string, Connection>();
      for (const c of seen.connections) {
        const prev = byIp.get(c.ip);
        if (!prev || (c.lastSeen ?? 0) > (prev.lastSeen ?? 0)) byIp.set(c.ip, c);
      }
      for (const c of byIp.values()) {
        const lastSeen = c.lastSeen !== undefined ? new Date(c.lastSeen).toISOString() : undefined;
        const item = this.upsert('address', user, c.ip, lastSeen ?? snap.at, 'state', c.userAgent, alerts);
        if (lastSeen) this.backAgain(item, lastSeen, `back|${user}|${c.ip}|${lastSeen}`, 'state', alerts);
      }
    }
    this.baselining = false;
    return this.remember(alerts);
  }

  observeLog(ev: LogEvent): Alert[] {
    const alerts: Alert[] = [];
    const before = ev.at < this.state.created_at;
    if (ev.kind === 'failed-password' || ev.kind === 'unknown-user') {
      if (!before) {
        const text =
          ev.kind === 'failed-password'
            ? `failed password login for ${untrusted(ev.user)}`
            : `login attempt as an account that does not exist: ${untrusted(ev.user)}`;
        alerts.push(this.alert(ev.kind, `log|${ev.cursor}`, ev.at, 'log', ev.user, {}, text));
      }
      return this.remember(alerts);
    }
    const user = ev.user;
    if (claimOwnLogin(this.state.own_devices, user, ev.device ?? '', ev.at)) return [];
    if (!this.state.case_users.includes(user) && !(user in this.state.removed_users)) {
      if (!this.state.extra_accounts.includes(user)) this.state.extra_accounts.push(user);
    }
    const item = this.upsert('device', user, ev.device ?? '', ev.at, 'log', undefined, alerts, before);
    this.backAgain(item, ev.at, `back|${user}|${ev.cursor}`, 'log', alerts);
    return this.remember(alerts);
  }

  /** Approve every not-yet-approved device or address with this ID; returns what changed. */
  approve(id: string): WatchItem[] {
    const hits = Object.values(this.state.items).filter((i) => i.id === id);
    for (const i of hits) if (i.status === 'new') i.status = 'approved';
    return hits;
  }

  rows(): WatchItem[] {
    return Object.values(this.state.items).sort(
      (a, b) =>
        a.user.localeCompare(b.user) ||
        a.kind.localeCompare(b.kind) ||
        a.first_seen.localeCompare(b.first_seen),
    );
  }

  private upsert(
    kind: ItemKind,
    user: string,
    id: string,
    at: string,
    source: 'state' | 'log',
    userAgent: string | undefined,
    alerts: Alert[],
    history = false,
    address?: string,
  ): WatchItem {
    const key = itemKey(kind, user, id);
    const existing = this.state.items[key];
    if (existing) {
      if (!existing.last_seen || at > existing.last_seen) existing.last_seen = at;
      if (userAgent) existing.user_agent = userAgent;
      return existing;
    }
    const removedAt = this.state.removed_users[user];
    // Activity from before the account was removed is history, not an alert.
    const known = this.baselining || history || (removedAt !== undefined && at <= removedAt);
    const item: WatchItem = {
      kind,
      user,
      id,
      first_seen: at,
      last_seen: at,
      status: known ? 'baseline' : 'new',
      source,
      ...(userAgent ? { user_agent: userAgent } : {}),
      ...(address ? { address } : {}),
    };
    this.state.items[key] = item;
    if (!known) {
      const alertKind: AlertKind =
        user in this.state.removed_users
          ? 'deactivated-back'
          : !this.state.case_users.includes(user)
            ? 'unknown-account'
            : kind === 'device'
              ? 'new-device'
              : 'new-address';
      const text = itemAlertText(alertKind, kind, user, id, address, userAgent);
      alerts.push(
        this.alert(
          alertKind,
          `item|${key}`,
          at,
          source,
          user,
          {
            ...(kind === 'device' ? { device: id, ...(address ? { address } : {}) } : { address: id }),
            ...(userAgent ? { user_agent: userAgent } : {}),
          },
          text,
        ),
      );
    }
    return item;
  }

  /** A removed account seen active after its removal (an existing device or address in use). */
  private backAgain(
    item: WatchItem,
    at: string,
    key: string,
    source: 'state' | 'log',
    alerts: Alert[],
  ): void {
    const removedAt = this.state.removed_users[item.user];
    if (!removedAt || at <= removedAt) return;
    // One "active again" alert per account and observation is enough.
    if (alerts.some((a) => a.kind === 'deactivated-back' && a.user === untrusted(item.user))) return;
    const what =
      item.kind === 'device' ? `device ${untrusted(item.id, 60)}` : `address ${untrusted(item.id, 60)}`;
    alerts.push(
      this.alert(
        'deactivated-back',
        key,
        at,
        source,
        item.user,
        item.kind === 'device' ? { device: item.id } : { address: item.id },
        `removed account is active again: ${untrusted(item.user)}, ${what}`,
      ),
    );
  }

  private alert(
    kind: AlertKind,
    key: string,
    at: string,
    source: 'state' | 'log',
    user: string,
    extra: { device?: string; address?: string; user_agent?: string },
    text: string,
  ): Alert {
    return {
      kind,
      // Keys hold raw server text: hashed, they are safe to print and to store.
      key: createHash('sha256').update(key).digest('hex').slice(0, 32),
      at,
      source,
      user: untrusted(user),
      ...(extra.device !== undefined ? { device: untrusted(extra.device, 60) } : {}),
      ...(extra.address !== undefined ? { address: untrusted(extra.address, 60) } : {}),
      ...(extra.user_agent !== undefined ? { user_agent: untrusted(extra.user_agent) } : {}),
      text,
    };
  }

  /** Drop alerts raised before (a restart), remember the new ones. */
  private remember(alerts: Alert[]): Alert[] {
    const fresh = alerts.filter((a) => !this.alerted.has(a.key));
    for (const a of fresh) this.alerted.add(a.key);
    this.state.alerted = [...this.alerted].slice(-MAX_ALERT_KEYS);
    return fresh;
  }
}
