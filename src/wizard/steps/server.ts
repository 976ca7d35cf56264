import type { RawConfig } from '../../config/raw.js';
import {
  addressProblem,
  checkDomain,
  ipv6Problem,
  portProblem,
  sshUserProblem,
} from '../../config/validators.js';
import { schemaProblem } from '../probe.js';
import { type Ctx, inline, optional } from '../step-kit.js';

/** The server questions: domain, address, SSH login, sudo, IPv6. */

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
