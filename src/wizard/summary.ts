import { type CallStack, defaultCallStack } from '../config/calls.js';
import type { RawConfig } from '../config/raw.js';

/** The answers as the table shown before the confirmation (pure: lines of text). */
export function summaryLines(raw: RawConfig): string[] {
  const rows = summaryRows(raw);
  const width = Math.max(...rows.map(([k]) => k.length));
  return rows.map(([k, v]) => `  ${k.padEnd(width)}  ${v}`);
}

/**
 * What changes from the case's current answers to the new ones, one line per changed row
 * (`  users: lead (admin) -> lead (admin), bob`); empty when nothing changes.
 */
export function changeLines(before: RawConfig, after: RawConfig): string[] {
  const old = new Map(summaryRows(before));
  const out: string[] = [];
  const seen = new Set<string>();
  for (const [k, v] of summaryRows(after)) {
    seen.add(k);
    const was = old.get(k);
    if (was !== v) out.push(`  ${k}: ${was ?? '(not set)'} -> ${v}`);
  }
  for (const [k, v] of old) if (!seen.has(k)) out.push(`  ${k}: ${v} -> (not set)`);
  return out;
}

function summaryRows(raw: RawConfig): [string, string][] {
  const s = raw.server ?? {};
  const domain = raw.domain ?? '(missing)';
  const user = s.ssh_user ?? 'root';
  const av = raw.audio_video ?? {};
  const users = raw.users ?? [];
  const rows: [string, string][] = [
    ['domain', `${domain} (user IDs like @analyst1:${domain}; server matrix.${domain})`],
    ['server', `${user}@${s.address ?? '(missing)'}, SSH port ${s.ssh_port ?? 22}`],
  ];
  if (user !== 'root' || s.become === true) rows.push(['sudo (become)', yn(s.become ?? user !== 'root')]);
  rows.push(
    ['IPv6', s.ipv6 ?? 'none'],
    ['homeserver', raw.homeserver ?? 'synapse'],
    ['Element Web', raw.element === false ? 'no' : `yes, at element.${domain}`],
    [
      'base domain',
      raw.serve_base_domain === false
        ? `${domain} is served elsewhere`
        : `served by this server (${domain} A record points at it)`,
    ],
    ['audio/video', audioVideoSummary(av, raw.homeserver ?? 'synapse', s.address)],
    ["Let's Encrypt e-mail", raw.letsencrypt_email ?? 'none'],
    [
      'users',
      users.length === 0
        ? 'none yet (add them later with "matrix-oob user add")'
        : users.map((u) => (u.admin ? `${u.name} (admin)` : u.name)).join(', '),
    ],
    ['playbook', raw.playbook?.path ?? 'none yet ("matrix-oob playbook fetch" gets one)'],
  );
  return rows;
}

const yn = (b: boolean) => (b ? 'yes' : 'no');

function audioVideoSummary(
  av: NonNullable<RawConfig['audio_video']>,
  homeserver: string,
  address?: string,
): string {
  if (!av.enabled) return 'no';
  const stack = (av.stack as CallStack | undefined) ?? defaultCallStack(homeserver);
  const turn = `TURN on ${av.external_ip ?? address ?? '(missing)'}`;
  if (stack === 'element-call') return 'yes, Element Call (LiveKit)';
  const jitsi = av.jitsi_allow_anonymous ? 'Jitsi open to anyone' : 'Jitsi with logins';
  return stack === 'both' ? `yes, Element Call and ${jitsi}, ${turn}` : `yes, ${jitsi}, ${turn}`;
}
