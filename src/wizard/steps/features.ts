import { CALL_STACKS, type CallStack, defaultCallStack, stackProblem } from '../../config/calls.js';
import type { RawConfig } from '../../config/raw.js';
import {
  emailProblem,
  HOMESERVERS,
  type Homeserver,
  ipv4Problem,
  USER_CREATOR_HOMESERVERS,
} from '../../config/validators.js';
import { type Ctx, inline, optional } from '../step-kit.js';

/** What runs on the server: homeserver, Element, the base domain, calls, e-mail. */

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
