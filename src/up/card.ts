import { exists } from '../adapters/files.js';
import { credentialsPath } from '../case/credentials.js';
import { type CasePaths, inventoryHostName } from '../case/paths.js';
import type { Config } from '../config/schema.js';
import { readControlRoomRecord } from '../control-room/case.js';
import { namesHook } from '../hooks/discover.js';
import { paint } from '../ui/colour.js';
import { nextCommand } from '../ui/next.js';

/** The shipped hooks whose outcome the card reports (playbook-hooks/). */
export const VERIFY_HOOK = '10-verify';
export const CONTROL_ROOM_HOOK = '10-control-room';

/**
 * Whether the server was checked from outside (the post-start `10-verify` hook): `ok` it passed;
 * `failed` it ran and failed (exit 4, docs/up.md); `skipped` it did not run (--skip-hook).
 */
export type Verification = 'ok' | 'failed' | 'skipped';

/**
 * The summary card `up` ends with: where the server is, who can log in and where their
 * credentials are (paths, never a password), the control room, what went wrong on the way,
 * and what the team does next. The same facts go to stdout as JSON with --json.
 */
export interface SummaryCard {
  case_dir: string;
  domain: string;
  homeserver_url: string;
  element_url: string | null;
  /** Absent in cards made before verification was reported: treated as `ok`. */
  verified?: Verification;
  users: { name: string; user_id: string; admin: boolean; credentials: string | null }[];
  control_room: { alias: string; room_id: string; file: string } | null;
  /** Why there is no control room, and the command that makes it. */
  control_room_note?: string;
  hook_failures: { event: string; hook: string }[];
  next_steps: string[];
}

export interface CardFacts {
  hookFailures: { event: string; hook: string }[];
  /** Hooks skipped with --skip-hook in this run. */
  skippedHooks?: readonly string[];
}

/** Whether `list` (hook file names, or --skip-hook values) names the shipped hook `hook`. */
const named = (list: readonly string[], hook: string) => list.some((h) => namesHook(hook, h));

export async function gatherCard(
  config: Config,
  paths: CasePaths,
  { hookFailures, skippedHooks = [] }: CardFacts,
): Promise<SummaryCard> {
  const users = await Promise.all(
    config.users.map(async (u) => {
      const file = credentialsPath(paths.credentialsDir, u.name);
      return {
        name: u.name,
        user_id: `@${u.name}:${config.domain}`,
        admin: u.admin,
        credentials: (await exists(file)) ? file : null,
      };
    }),
  );
  const failed = hookFailures.map((f) => f.hook);
  const verified: Verification = named(failed, VERIFY_HOOK)
    ? 'failed'
    : named(skippedHooks, VERIFY_HOOK)
      ? 'skipped'
      : 'ok';
  const room = await readControlRoomRecord(paths);
  const elementUrl = config.element ? `https://element.${config.domain}` : null;
  const retryRoom = nextCommand('control-room', paths.root);
  let roomNote: string | undefined;
  if (!room) {
    if (!users.some((u) => u.admin)) {
      roomNote = `not created: no user is an admin (set admin: true on one user, "${nextCommand('user add', paths.root, '--all')}", then "${retryRoom}")`;
    } else if (!users.some((u) => u.admin && u.credentials)) {
      roomNote = `not created: the admin is not registered yet ("${nextCommand('user add', paths.root, '--all')}", then "${retryRoom}")`;
    } else if (named(failed, CONTROL_ROOM_HOOK)) {
      roomNote = `not created: the ${CONTROL_ROOM_HOOK} hook failed (its output is above, and in logs/); retry: ${retryRoom}`;
    } else if (named(skippedHooks, CONTROL_ROOM_HOOK)) {
      roomNote = `not created (${CONTROL_ROOM_HOOK} was skipped): ${retryRoom}`;
    } else roomNote = `not created: ${retryRoom}`;
  }
  return {
    case_dir: paths.root,
    domain: config.domain,
    homeserver_url: `https://${inventoryHostName(config.domain)}`,
    element_url: elementUrl,
    verified,
    users,
    control_room: room
      ? { alias: room.alias, room_id: room.room_id, file: `${paths.root}/control-room.json` }
      : null,
    ...(roomNote ? { control_room_note: roomNote } : {}),
    hook_failures: hookFailures,
    next_steps: nextSteps({
      elementUrl,
      roomAlias: room?.alias,
      hasUsers: users.length > 0,
      verified,
      root: paths.root,
    }),
  };
}

function nextSteps(o: {
  elementUrl: string | null;
  roomAlias: string | undefined;
  hasUsers: boolean;
  verified: Verification;
  root: string;
}): string[] {
  const login = o.elementUrl ?? 'a Matrix client (homeserver URL above)';
  const verify = nextCommand('verify', o.root);
  if (o.verified === 'failed') {
    // Credentials for a server nobody can reach are no use, and handing them out now invites
    // people to fall back to the compromised channels: fix reachability first.
    return [
      `Fix what the check from outside reported (the FAIL lines of ${VERIFY_HOOK} above: usually DNS, the firewall, or certificates not issued yet), then check again: ${verify}`,
      'Hand out the credentials files only once it passes: out of band (in person, by phone, or a channel the attacker cannot read), never through the compromised mail or chat.',
      'When the case closes: matrix-oob teardown (docs/teardown.md) wipes the server and the local secrets.',
    ];
  }
  return [
    ...(o.verified === 'skipped'
      ? [`Check the server from outside before handing anything out (${VERIFY_HOOK} was skipped): ${verify}`]
      : []),
    ...(o.hasUsers
      ? [
          'Hand each credentials file to its user out of band (in person, by phone, or a channel the attacker cannot read), never through the compromised mail or chat.',
        ]
      : ['No users in the config: add some (users: in matrix-oob.yml) and run "matrix-oob user add --all".']),
    'Start the recorder before anyone talks, on this machine, and keep it running: matrix-oob record (docs/record.md); messages sent before its device exists cannot be recorded.',
    `Each participant logs in at ${login}, sets up Secure Backup (keep the recovery key offline) and changes nothing else.`,
    `Participants verify each other's devices (Element: the person's profile > Verify; compare the emoji or the session fingerprints over a trusted channel), so every device is cross-signed before anyone trusts what is written${o.roomAlias ? ` in ${o.roomAlias}` : ''}.`,
    'When the case closes: matrix-oob teardown (docs/teardown.md) wipes the server and the local secrets.',
  ];
}

/** The card's first line: what is true of the server. */
export function cardHeadline(card: SummaryCard): string {
  switch (card.verified ?? 'ok') {
    case 'failed':
      return `Matrix for ${card.domain} is deployed, but NOT reachable from outside: the check from outside (${VERIFY_HOOK}) failed`;
    case 'skipped':
      return `Matrix for ${card.domain} is up (not checked from outside: ${VERIFY_HOOK} was skipped)`;
    default:
      return `Matrix for ${card.domain} is up and answers from outside`;
  }
}

/** The card for stderr. */
export function renderCard(card: SummaryCard, colour: boolean): string {
  const head = (t: string) => paint('bold', t, colour);
  const lines: string[] = [];
  const headline = cardHeadline(card);
  lines.push('', card.verified === 'failed' ? paint('red', headline, colour) : head(headline), '');
  if (card.element_url) lines.push(`  Element      ${card.element_url}`);
  lines.push(`  Homeserver   ${card.homeserver_url}`);
  lines.push(`  Case folder  ${card.case_dir}`);
  lines.push('', head('Users (credentials are handed out of band; passwords are only in these files)'));
  if (card.users.length === 0) lines.push('  none configured');
  for (const u of card.users) {
    const where = u.credentials ?? paint('red', 'not registered (run: matrix-oob user add --all)', colour);
    lines.push(`  ${u.user_id}${u.admin ? ' (admin)' : ''}  ${where}`);
  }
  lines.push('', head('Control room'));
  lines.push(
    card.control_room
      ? `  ${card.control_room.alias}  ${card.control_room.room_id}`
      : `  ${card.control_room_note ?? 'not created (run: matrix-oob control-room; it needs an admin user)'}`,
  );
  if (card.hook_failures.length > 0) {
    lines.push(
      '',
      paint('yellow', 'Hooks that failed (the flow went on; see logs/ and the journal)', colour),
    );
    for (const f of card.hook_failures) lines.push(`  ${f.event}: ${f.hook}`);
  }
  lines.push('', head('Next'));
  card.next_steps.forEach((s, i) => {
    lines.push(`  ${i + 1}. ${s}`);
  });
  lines.push('');
  return lines.join('\n');
}
