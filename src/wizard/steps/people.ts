import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { RawConfig } from '../../config/raw.js';
import { localpartProblem } from '../../config/validators.js';
import { schemaProblem } from '../probe.js';
import { type Ctx, inline } from '../step-kit.js';

/** Who uses it and where the playbook is: users, playbook checkout. */

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
