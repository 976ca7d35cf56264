import { exists } from '../adapters/files.js';
import { credentialsPath } from '../case/credentials.js';
import { type CasePaths, inventoryHostName } from '../case/paths.js';
import type { Config } from '../config/schema.js';
import { readControlRoomRecord } from '../control-room/case.js';
import { paint } from '../ui/colour.js';

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
  users: { name: string; user_id: string; admin: boolean; credentials: string | null }[];
  control_room: { alias: string; room_id: string; file: string } | null;
  hook_failures: { event: string; hook: string }[];
  next_steps: string[];
}

export async function gatherCard(
  config: Config,
  paths: CasePaths,
  hookFailures: { event: string; hook: string }[],
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
  const room = await readControlRoomRecord(paths);
  const elementUrl = config.element ? `https://element.${config.domain}` : null;
  return {
    case_dir: paths.root,
    domain: config.domain,
    homeserver_url: `https://${inventoryHostName(config.domain)}`,
    element_url: elementUrl,
    users,
    control_room: room
      ? { alias: room.alias, room_id: room.room_id, file: `${paths.root}/control-room.json` }
      : null,
    hook_failures: hookFailures,
    next_steps: nextSteps(elementUrl, room?.alias, users.length > 0),
  };
}

function nextSteps(elementUrl: string | null, roomAlias: string | undefined, hasUsers: boolean): string[] {
  const login = elementUrl ?? 'a Matrix client (homeserver URL above)';
  return [
    ...(hasUsers
      ? [
          'Hand each credentials file to its user out of band (in person, by phone, or a channel the attacker cannot read), never through the compromised mail or chat.',
        ]
      : ['No users in the config: add some (users: in matrix-oob.yml) and run "matrix-oob user add --all".']),
    'Start the recorder before anyone talks, on this machine, and keep it running: matrix-oob record (docs/record.md); messages sent before its device exists cannot be recorded.',
    `Each participant logs in at ${login}, sets up Secure Backup (keep the recovery key offline) and changes nothing else.`,
    `Participants verify each other's devices (Element: the person's profile > Verify; compare the emoji or the session fingerprints over a trusted channel), so every device is cross-signed before anyone trusts what is written${roomAlias ? ` in ${roomAlias}` : ''}.`,
    'When the case closes: matrix-oob teardown (docs/teardown.md) wipes the server and the local secrets.',
  ];
}

/** The card for stderr. */
export function renderCard(card: SummaryCard, colour: boolean): string {
  const head = (t: string) => paint('bold', t, colour);
  const lines: string[] = [];
  lines.push('', head(`Matrix for ${card.domain} is up`), '');
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
      : '  not created (run: matrix-oob control-room; it needs an admin user)',
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
