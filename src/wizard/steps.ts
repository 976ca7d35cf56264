import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { RawConfig } from '../commands/init/flags.js';
import { CALL_STACKS, type CallStack, defaultCallStack, stackProblem } from '../config/calls.js';
import {
  addressProblem,
  checkDomain,
  emailProblem,
  HOMESERVERS,
  type Homeserver,
  ipv4Problem,
  ipv6Problem,
  localpartProblem,
  portProblem,
  sshUserProblem,
  USER_CREATOR_HOMESERVERS,
} from '../config/validators.js';
import type { WizardContext } from './context.js';
import { schemaProblem } from './probe.js';

/**
 * The wizard: an ordered list of steps over one context. Each step fills its part of
 * `ctx.answers`: from the flag that answers it (`ctx.preset`), else from the user, else (not
 * interactive) from the declared default, or it records the value as missing. Steps only ask;
 * they write nothing.
 */
export interface Step {
  name: string;
  run(ctx: WizardContext): Promise<void>;
}

type Ctx<K extends keyof WizardContext> = Pick<WizardContext, K>;

/** A validator's message for the inline prompt, or true. */
const inline = (problem: string | undefined): string | true => problem ?? true;

/** An optional text answer: empty means "none". */
const optional = (check: (v: string) => string | undefined) => (v: string) =>
  inline(v.trim() === '' ? undefined : check(v.trim()));

function server(ctx: Ctx<'answers'>): NonNullable<RawConfig['server']> {
  ctx.answers.server ??= {};
  return ctx.answers.server;
}

/** Port text -> number, with portProblem's message (non-numbers quoted as typed). */
export function portInputProblem(text: string): string | undefined {
  const value = text.trim();
  if (/^\d+$/.test(value)) return portProblem(Number(value));
  return portProblem(Number.NaN)?.replace(/^NaN/, JSON.stringify(value));
}

/** The message for a domain other than the one of the case being updated. */
export function domainChangeProblem(answer: string, locked: string | undefined): string | undefined {
  if (locked === undefined) return undefined;
  const value = checkDomain(answer).value ?? answer.trim();
  if (value === locked) return undefined;
  return `this case is for ${locked}: a server's domain cannot change after installation. Enter keeps ${locked}; for ${value || 'another domain'}, quit (Ctrl-C) and create a new case folder (matrix-oob init <new-dir>)`;
}

export async function domain(
  ctx: Ctx<'preset' | 'answers' | 'previous' | 'prompt' | 'interactive' | 'out' | 'missing' | 'lockedDomain'>,
): Promise<void> {
  if (ctx.preset.domain !== undefined) {
    ctx.answers.domain = ctx.preset.domain;
    return;
  }
  if (!ctx.interactive) {
    ctx.missing.push({ what: 'domain', flag: '--domain example.com' });
    return;
  }
  let fallback = ctx.previous?.domain;
  for (;;) {
    const answer = await ctx.prompt.input({
      name: 'domain',
      message: 'Base domain of the user IDs (@name:<domain>), e.g. example.com:',
      ...(fallback !== undefined ? { default: fallback } : {}),
      validate: (v) => inline(checkDomain(v).error ?? domainChangeProblem(v, ctx.lockedDomain)),
    });
    const checked = checkDomain(answer);
    const value = checked.value ?? answer.trim();
    if (checked.warning) {
      ctx.out.warn(checked.warning);
      const keep = await ctx.prompt.confirm({
        name: 'domain.keep',
        message: `Keep "${value}" as the base domain?`,
        default: false,
      });
      if (!keep) {
        fallback = value.slice('matrix.'.length);
        continue;
      }
    }
    ctx.answers.domain = value;
    return;
  }
}

export async function address(
  ctx: Ctx<'preset' | 'answers' | 'previous' | 'prompt' | 'interactive' | 'missing'>,
): Promise<void> {
  const preset = ctx.preset.server?.address;
  if (preset !== undefined) {
    server(ctx).address = preset;
    return;
  }
  if (!ctx.interactive) {
    ctx.missing.push({ what: 'server address', flag: '--address 203.0.113.10' });
    return;
  }
  const previous = ctx.previous?.server?.address;
  const answer = await ctx.prompt.input({
    name: 'server.address',
    message: 'Server address (public IPv4, IPv6 or host name):',
    ...(previous !== undefined ? { default: previous } : {}),
    validate: (v) => inline(addressProblem(v.trim())),
  });
  server(ctx).address = answer.trim();
}

export async function sshUser(ctx: Ctx<'preset' | 'answers' | 'previous' | 'prompt' | 'interactive'>) {
  const preset = ctx.preset.server?.ssh_user;
  if (preset !== undefined || !ctx.interactive) {
    server(ctx).ssh_user = preset ?? 'root';
    return;
  }
  const answer = await ctx.prompt.input({
    name: 'server.ssh_user',
    message: 'SSH login on the server:',
    default: ctx.previous?.server?.ssh_user ?? 'root',
    validate: (v) => inline(sshUserProblem(v.trim())),
  });
  server(ctx).ssh_user = answer.trim();
}

export async function sshPort(ctx: Ctx<'preset' | 'answers' | 'previous' | 'prompt' | 'interactive'>) {
  const preset = ctx.preset.server?.ssh_port;
  if (preset !== undefined || !ctx.interactive) {
    server(ctx).ssh_port = preset ?? 22;
    return;
  }
  const answer = await ctx.prompt.input({
    name: 'server.ssh_port',
    message: 'SSH port:',
    default: String(ctx.previous?.server?.ssh_port ?? 22),
    validate: (v) => inline(portInputProblem(v)),
  });
  server(ctx).ssh_port = Number(answer.trim());
}

/** Asked only when the SSH login is not root: the playbook needs root, so sudo it is. */
export async function become(ctx: Ctx<'preset' | 'answers' | 'prompt' | 'interactive' | 'out'>) {
  const preset = ctx.preset.server?.become;
  if (preset !== undefined) {
    server(ctx).become = preset;
    return;
  }
  const user = server(ctx).ssh_user ?? 'root';
  if (user === 'root') return; // root needs no sudo (the schema's default)
  if (!ctx.interactive) {
    server(ctx).become = true;
    return;
  }
  for (;;) {
    const yes = await ctx.prompt.confirm({
      name: 'server.become',
      message: `"${user}" is not root: use sudo (become) to run the playbook as root?`,
      default: true,
    });
    // The rule lives in the schema (become must be true for a non-root login): ask it.
    const problem = yes
      ? undefined
      : schemaProblem({ server: { ssh_user: user, become: false } }, 'server.become');
    if (!problem) {
      server(ctx).become = yes;
      return;
    }
    ctx.out.error(`server.become ${problem}`);
  }
}

export async function ipv6(ctx: Ctx<'preset' | 'answers' | 'previous' | 'prompt' | 'interactive'>) {
  const preset = ctx.preset.server?.ipv6;
  if (preset !== undefined) {
    server(ctx).ipv6 = preset;
    return;
  }
  if (!ctx.interactive) return;
  const answer = await ctx.prompt.input({
    name: 'server.ipv6',
    message: "Server's public IPv6 address (optional; empty = none):",
    ...(ctx.previous?.server?.ipv6 !== undefined ? { default: ctx.previous.server.ipv6 } : {}),
    validate: optional(ipv6Problem),
  });
  if (answer.trim() !== '') server(ctx).ipv6 = answer.trim();
}

export function homeserverChoices() {
  return HOMESERVERS.map((hs) => {
    const creates = USER_CREATOR_HOMESERVERS.includes(hs);
    return {
      value: hs,
      name: hs === 'synapse' ? 'synapse (recommended)' : creates ? hs : `${hs} (no user creation)`,
      ...(creates
        ? {}
        : {
            description: `the playbook cannot create users on ${hs}: the case's users and "matrix-oob user add" will not work; create accounts yourself`,
          }),
    };
  });
}

export async function homeserver(ctx: Ctx<'preset' | 'answers' | 'previous' | 'prompt' | 'interactive'>) {
  if (ctx.preset.homeserver !== undefined || !ctx.interactive) {
    ctx.answers.homeserver = ctx.preset.homeserver ?? 'synapse';
    return;
  }
  const previous = ctx.previous?.homeserver;
  ctx.answers.homeserver = await ctx.prompt.select<Homeserver>({
    name: 'homeserver',
    message: 'Homeserver:',
    choices: homeserverChoices(),
    default: (HOMESERVERS as readonly string[]).includes(previous ?? '')
      ? (previous as Homeserver)
      : 'synapse',
  });
}

type Flag = 'element' | 'serve_base_domain';

/** A yes/no question for a top-level boolean of the config. */
function yesNo(key: Flag, message: (ctx: Ctx<'answers'>) => string, declared: boolean) {
  return async (ctx: Ctx<'preset' | 'answers' | 'previous' | 'prompt' | 'interactive'>) => {
    const preset = ctx.preset[key];
    if (preset !== undefined || !ctx.interactive) {
      ctx.answers[key] = preset ?? declared;
      return;
    }
    ctx.answers[key] = await ctx.prompt.confirm({
      name: key,
      message: message(ctx),
      default: ctx.previous?.[key] ?? declared,
    });
  };
}

export const element = yesNo('element', (c) => `Serve Element Web at element.${c.answers.domain}?`, true);

export const serveBaseDomain = yesNo(
  'serve_base_domain',
  (c) => `Serve ${c.answers.domain} itself from this server (its A record points here)?`,
  true,
);

export async function audioVideo(
  ctx: Ctx<'preset' | 'answers' | 'previous' | 'prompt' | 'interactive' | 'missing'>,
) {
  const preset = ctx.preset.audio_video ?? {};
  const previous = ctx.previous?.audio_video;
  let enabled = preset.enabled;
  if (enabled === undefined) {
    enabled = ctx.interactive
      ? await ctx.prompt.confirm({
          name: 'audio_video.enabled',
          message: 'Enable audio/video calls?',
          default: previous?.enabled ?? preset.external_ip !== undefined,
        })
      : false;
  }
  const av: NonNullable<RawConfig['audio_video']> = { enabled };
  ctx.answers.audio_video = av;
  if (preset.jitsi_allow_anonymous !== undefined) av.jitsi_allow_anonymous = preset.jitsi_allow_anonymous;
  const stack = enabled ? await callStack(ctx) : (preset.stack as CallStack | undefined);
  if (stack !== undefined) av.stack = stack;
  if (preset.external_ip !== undefined) {
    av.external_ip = preset.external_ip;
    return;
  }
  // Only Jitsi's TURN relay (coturn) needs the public IPv4; Element Call's LiveKit finds it itself.
  if (!enabled || stack === 'element-call') return;
  const addr = ctx.answers.server?.address;
  const fromAddress = addr !== undefined && !ipv4Problem(addr) ? addr : undefined;
  if (!ctx.interactive) {
    if (fromAddress) av.external_ip = fromAddress;
    else if (addr !== undefined) {
      ctx.missing.push({
        what: 'external IPv4 for audio/video (the server address is not an IPv4 address)',
        flag: '--external-ip 203.0.113.10',
      });
    }
    return;
  }
  const fallback = previous?.external_ip ?? fromAddress;
  const answer = await ctx.prompt.input({
    name: 'audio_video.external_ip',
    message: "Server's public IPv4 address for TURN (audio/video relay):",
    ...(fallback !== undefined ? { default: fallback } : {}),
    validate: (v) => inline(ipv4Problem(v.trim())),
  });
  av.external_ip = answer.trim();
}

/** Which call stack: one question, one line on each choice (docs/calls.md). */
async function callStack(
  ctx: Ctx<'preset' | 'answers' | 'previous' | 'prompt' | 'interactive'>,
): Promise<CallStack> {
  const hs = ctx.answers.homeserver ?? 'synapse';
  const preset = ctx.preset.audio_video?.stack as CallStack | undefined;
  if (preset !== undefined || !ctx.interactive) return preset ?? defaultCallStack(hs);
  const fallback = defaultCallStack(hs);
  const previous = ctx.previous?.audio_video?.stack as CallStack | undefined;
  // Only the stacks this homeserver can run are offered; with one, there is nothing to ask.
  const possible = CALL_STACKS.filter((value) => !stackProblem(value, hs));
  if (possible.length === 1) return possible[0]!;
  return ctx.prompt.select<CallStack>({
    name: 'audio_video.stack',
    message: 'Which calls?',
    choices: possible.map((value) => ({ value, name: value, description: CALL_STACK_DESCRIPTIONS[value] })),
    default: previous !== undefined && !stackProblem(previous, hs) ? previous : fallback,
  });
}

const CALL_STACK_DESCRIPTIONS: Record<CallStack, string> = {
  'element-call':
    'Element Call (LiveKit): the calls of Element X on phones and of Element Web; no extra DNS record',
  jitsi: 'Jitsi at jitsi.<domain> with logins for the case users: Element Web widgets and a browser link',
  both: 'both: Element Call for Element X, Jitsi for browser meetings',
};

export async function letsencryptEmail(
  ctx: Ctx<'preset' | 'answers' | 'previous' | 'prompt' | 'interactive'>,
) {
  if (ctx.preset.letsencrypt_email !== undefined) {
    ctx.answers.letsencrypt_email = ctx.preset.letsencrypt_email;
    return;
  }
  if (!ctx.interactive) return;
  const previous = ctx.previous?.letsencrypt_email;
  const answer = await ctx.prompt.input({
    name: 'letsencrypt_email',
    message: "Contact e-mail for Let's Encrypt (optional; empty = none):",
    ...(previous !== undefined ? { default: previous } : {}),
    validate: optional(emailProblem),
  });
  if (answer.trim() !== '') ctx.answers.letsencrypt_email = answer.trim();
}

const withDomain = (answers: RawConfig): RawConfig =>
  answers.domain !== undefined ? { domain: answers.domain } : {};

type User = { name: string; admin?: boolean };

const describeUsers = (users: readonly User[]) =>
  users.map((u) => (u.admin ? `${u.name} (admin)` : u.name)).join(', ');

/** Users: a loop of name, admin?, another?; the first one defaults to admin. */
export async function users(ctx: Ctx<'preset' | 'answers' | 'previous' | 'prompt' | 'interactive'>) {
  if (ctx.preset.users !== undefined || !ctx.interactive) {
    ctx.answers.users = ctx.preset.users ?? [];
    return;
  }
  const previous = ctx.previous?.users ?? [];
  if (previous.length > 0) {
    const keep = await ctx.prompt.confirm({
      name: 'users.keep',
      message: `Keep the users ${describeUsers(previous)}?`,
      default: true,
    });
    if (keep) {
      ctx.answers.users = previous;
      return;
    }
  }
  const list: User[] = [];
  ctx.answers.users = list;
  for (;;) {
    const i = list.length;
    const first = i === 0;
    const name = (
      await ctx.prompt.input({
        name: `users[${i}].name`,
        message: first
          ? 'First Matrix user, a pseudonymous name like analyst1 (empty = add users later):'
          : `Name of user ${i + 1}:`,
        validate: (v) => {
          if (first && v.trim() === '') return true;
          return inline(
            localpartProblem(v.trim(), ctx.answers.domain) ??
              schemaProblem(
                { ...withDomain(ctx.answers), users: [...list, { name: v.trim() }] },
                `users[${i}].name`,
              ),
          );
        },
      })
    ).trim();
    if (name === '') return;
    const admin = await ctx.prompt.confirm({
      name: `users[${i}].admin`,
      message: `Make ${name} an admin?`,
      default: first,
    });
    list.push({ name, admin });
    const more = await ctx.prompt.confirm({
      name: `users[${i}].another`,
      message: 'Add another user?',
      default: false,
    });
    if (!more) return;
  }
}

export async function playbook(ctx: Ctx<'preset' | 'answers' | 'previous' | 'prompt' | 'interactive'>) {
  const preset = ctx.preset.playbook;
  if (preset !== undefined) {
    ctx.answers.playbook = preset;
    return;
  }
  if (!ctx.interactive) return;
  const previous = ctx.previous?.playbook?.path;
  const answer = await ctx.prompt.input({
    name: 'playbook.path',
    message: 'Path to a matrix-docker-ansible-deploy checkout (empty = none yet):',
    ...(previous !== undefined ? { default: previous } : {}),
    validate: (v) => inline(v.trim() === '' ? undefined : checkoutProblem(resolve(v.trim()))),
  });
  // Absolute, because the config file resolves relative paths against its own folder.
  if (answer.trim() !== '') ctx.answers.playbook = { path: resolve(answer.trim()) };
}

/** A checkout path that cannot be used: checked at the question, before anything is written. */
export function checkoutProblem(path: string): string | undefined {
  if (!existsSync(path)) {
    return `${path} does not exist: give the folder of a matrix-docker-ansible-deploy clone, or leave it empty ("matrix-oob playbook fetch" gets one later)`;
  }
  if (!existsSync(join(path, 'setup.yml'))) {
    return `${path} has no setup.yml, so it is not a matrix-docker-ansible-deploy checkout; leave it empty to fetch one later`;
  }
  return undefined;
}

/** The questions, in the order they are asked. */
export const STEPS: readonly Step[] = [
  { name: 'domain', run: domain },
  { name: 'server.address', run: address },
  { name: 'server.ssh_user', run: sshUser },
  { name: 'server.ssh_port', run: sshPort },
  { name: 'server.become', run: become },
  { name: 'server.ipv6', run: ipv6 },
  { name: 'homeserver', run: homeserver },
  { name: 'element', run: element },
  { name: 'serve_base_domain', run: serveBaseDomain },
  { name: 'audio_video', run: audioVideo },
  { name: 'letsencrypt_email', run: letsencryptEmail },
  { name: 'users', run: users },
  { name: 'playbook', run: playbook },
];
