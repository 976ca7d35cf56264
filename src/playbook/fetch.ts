import { mkdir, readdir, realpath, rm } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { Capture } from '../adapters/process.js';
import type { Stream, StreamResult } from '../adapters/stream.js';
import { FailureError, InterruptedError, UserError } from '../errors.js';
import type { Output } from '../ui/output.js';
import { GALAXY_ROLES_DIR, galaxyRolesState, REQUIREMENTS_FILE } from './galaxy-roles.js';
import { displayUrl, isFullCommit } from './pin.js';

/**
 * Clone matrix-docker-ansible-deploy (or update a checkout) to a revision, detached, and
 * install its galaxy roles. A checkout with local modifications is never touched.
 */
export interface FetchRequest {
  dir: string;
  repo: string;
  ref: string;
}

export interface FetchDeps {
  capture: Capture;
  stream: Stream;
  out: Output;
  /** stderr is a terminal: let git and ansible-galaxy draw their own progress. */
  tty: boolean;
  env?: NodeJS.ProcessEnv;
  /** Ctrl-C / SIGTERM: the running child is stopped, a fresh half clone removed. */
  signal?: AbortSignal;
}

export interface FetchResult {
  path: string;
  repo: string;
  ref: string;
  commit: string;
  /** The commit before an update (undefined for a fresh clone). */
  previousCommit?: string;
  cloned: boolean;
  roles: number;
}

export async function fetchPlaybook(req: FetchRequest, deps: FetchDeps): Promise<FetchResult> {
  const dir = resolve(req.dir);
  const baseEnv = deps.env ?? process.env;
  // git never asks for credentials (scripts hang otherwise); C locale so its messages are stable.
  const env = { ...baseEnv, GIT_TERMINAL_PROMPT: '0', LC_ALL: 'C' };
  const git = (args: string[], cwd = dir) => deps.capture('git', args, { cwd, env, timeoutMs: 120_000 });
  const step = (n: number, text: string) => deps.out.info(`[${n}/3] ${text}`);
  const streamed = (file: string, args: string[], cwd: string): Promise<StreamResult> =>
    deps.stream(file, args, {
      cwd,
      // Ansible refuses a non-UTF-8 locale: it gets the user's environment untouched.
      env: file === 'git' ? env : baseEnv,
      tty: deps.tty,
      onLine: (line) => deps.out.info(`      ${line}`),
      ...(deps.signal ? { signal: deps.signal } : {}),
    });
  const interrupted = async (removeDir: boolean): Promise<InterruptedError> => {
    if (removeDir) await rm(dir, { recursive: true, force: true });
    return new InterruptedError('playbook fetch interrupted');
  };

  const probe = await deps.capture('git', ['--version'], { env });
  if (probe.notFound) {
    throw new FailureError('git is not installed', { hint: 'install git (Debian/Ubuntu: apt install git).' });
  }

  const state = await existingDir(dir);
  let cloned = false;
  let previousCommit: string | undefined;
  if (state === 'non-empty') {
    const top = await git(['rev-parse', '--show-toplevel']);
    if (top.exitCode !== 0 || (await realpath(top.stdout.trim())) !== (await realpath(dir))) {
      throw new UserError(`${dir} exists and is not a git checkout of the playbook`, {
        hint: 'choose another folder with --dir, or move that folder away and run the command again.',
      });
    }
    const dirty = await git(['status', '--porcelain', '--untracked-files=no']);
    const changed = dirty.stdout.split('\n').filter((l) => l.trim() !== '');
    if (changed.length > 0) {
      throw new FailureError(`refusing to update ${dir}: it has local modifications`, {
        details: [
          ...changed.slice(0, 10).map((l) => l.trim()),
          ...(changed.length > 10 ? [`… and ${changed.length - 10} more`] : []),
        ],
        hint: `review them with "git -C ${dir} diff"; keep them with "git -C ${dir} stash", or discard them with "git -C ${dir} checkout -- .", then run the command again (or use --dir for a separate checkout).`,
      });
    }
    previousCommit = (await git(['rev-parse', 'HEAD'])).stdout.trim() || undefined;
    const origin = await git(['remote', 'get-url', 'origin']);
    if (origin.exitCode !== 0) {
      await git(['remote', 'add', 'origin', req.repo]);
    } else if (origin.stdout.trim() !== req.repo) {
      deps.out.info(`      origin was ${displayUrl(origin.stdout.trim())}; now ${displayUrl(req.repo)}`);
      await git(['remote', 'set-url', 'origin', req.repo]);
    }
    step(1, `fetching ${req.ref} from ${displayUrl(req.repo)} into ${dir}`);
  } else {
    // init + fetch of the one revision (a clone would fetch every branch and tag in full).
    step(1, `cloning ${displayUrl(req.repo)} (${req.ref}) into ${dir}`);
    await mkdir(dir, { recursive: true, mode: 0o700 });
    const init = await git(['init', '--quiet']);
    if (init.exitCode === 0) await git(['remote', 'add', 'origin', req.repo]);
    if (init.exitCode !== 0) {
      if (state === 'absent') await rm(dir, { recursive: true, force: true });
      throw new FailureError(`git init failed in ${dir}`, { details: lastLines(init.stderr) });
    }
    cloned = true;
  }

  // A shallow checkout stays shallow; a full one (an older matrix-oob's clone) stays full.
  const shallow = !cloned && (await git(['rev-parse', '--is-shallow-repository'])).stdout.trim() === 'true';
  const depth = cloned || shallow ? ['--depth=1'] : [];
  const progress = deps.tty ? ['--progress'] : [];
  const fetchArgs = (...what: string[]) => ['fetch', '--no-tags', ...depth, ...progress, 'origin', ...what];
  let commit: string | undefined;
  let last: StreamResult | undefined;
  // 1. The revision itself: a full commit id (servers such as GitHub serve any commit) or a branch.
  const branch = isFullCommit(req.ref) ? undefined : await remoteBranch(git, req.ref);
  if (isFullCommit(req.ref) || branch) {
    last = await streamed('git', fetchArgs(branch ?? req.ref), dir);
    if (deps.signal?.aborted) throw await interrupted(state === 'absent');
    if (last.exitCode === 0) commit = await resolveRef(git, 'FETCH_HEAD');
  }
  // 2. Otherwise (a server that refuses single commits, an abbreviated id): every branch.
  if (!commit) {
    if (last) deps.out.info('      fetching every branch instead');
    last = await streamed(
      'git',
      [
        'fetch',
        '--no-tags',
        '--prune',
        ...(shallow ? ['--unshallow'] : []),
        ...progress,
        'origin',
        '+refs/heads/*:refs/remotes/origin/*',
      ],
      dir,
    );
    if (deps.signal?.aborted) throw await interrupted(state === 'absent');
    if (last.exitCode !== 0) {
      if (state === 'absent') await rm(dir, { recursive: true, force: true });
      throw gitFailed('git fetch', req.repo, last);
    }
    commit = await resolveRef(git, `refs/remotes/origin/${req.ref}`, req.ref);
  }
  if (!commit) {
    if (state === 'absent') await rm(dir, { recursive: true, force: true });
    throw new FailureError(`revision "${req.ref}" not found in ${displayUrl(req.repo)}`, {
      hint: `pass --ref with a branch or a full commit id of that repository (its branches: git ls-remote --heads ${displayUrl(req.repo)}).`,
    });
  }
  step(
    2,
    `checking out ${req.ref === commit ? commit.slice(0, 12) : `${req.ref} (${commit.slice(0, 12)})`}${previousCommit && previousCommit !== commit ? `, was ${previousCommit.slice(0, 12)}` : ''}`,
  );
  const co = await git(['-c', 'advice.detachedHead=false', 'checkout', '--quiet', '--detach', commit]);
  if (co.exitCode !== 0) {
    throw new FailureError(`git checkout of ${req.ref} failed in ${dir}`, {
      details: lastLines(co.stderr),
      hint: 'files in the way are usually untracked copies of playbook files: move them away and run the command again.',
    });
  }

  const before = await galaxyRolesState(dir);
  if (!before) {
    throw new FailureError(
      `${dir} has no ${REQUIREMENTS_FILE}: it does not look like matrix-docker-ansible-deploy`,
      {
        hint: 'check --repo and --ref.',
      },
    );
  }
  step(
    3,
    `installing ${before.required.length} galaxy role${before.required.length === 1 ? '' : 's'} into ${GALAXY_ROLES_DIR}/`,
  );
  const g = await streamed(
    'ansible-galaxy',
    ['install', '-r', REQUIREMENTS_FILE, '-p', `${GALAXY_ROLES_DIR}/`, '--force'],
    dir,
  );
  if (deps.signal?.aborted) throw await interrupted(false);
  if (g.notFound) {
    throw new FailureError('ansible-galaxy is not installed', {
      hint: 'install Ansible (pipx install ansible, or your distribution\'s ansible package), then run "matrix-oob playbook fetch" again.',
    });
  }
  if (g.exitCode !== 0) {
    throw new FailureError(`ansible-galaxy could not install the playbook's roles (exit ${g.exitCode})`, {
      details: g.tail.slice(-8),
      hint: `check the network access to the role sources, then run "matrix-oob playbook fetch" again (or by hand: cd ${dir} && ansible-galaxy install -r ${REQUIREMENTS_FILE} -p ${GALAXY_ROLES_DIR}/ --force).`,
    });
  }
  const after = await galaxyRolesState(dir);
  if (after && after.missing.length > 0) {
    throw new FailureError(
      `galaxy roles still missing after ansible-galaxy install: ${after.missing.join(', ')}`,
      {
        hint: `run by hand to see why: cd ${dir} && ansible-galaxy install -r ${REQUIREMENTS_FILE} -p ${GALAXY_ROLES_DIR}/ --force`,
      },
    );
  }
  return {
    path: dir,
    repo: req.repo,
    ref: req.ref,
    commit,
    ...(previousCommit ? { previousCommit } : {}),
    cloned,
    roles: before.required.length,
  };
}

async function existingDir(dir: string): Promise<'absent' | 'empty' | 'non-empty'> {
  try {
    return (await readdir(dir)).length === 0 ? 'empty' : 'non-empty';
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return 'absent';
    if (code === 'ENOTDIR') {
      throw new UserError(`${dir} is a file, not a folder`, { hint: 'choose another folder with --dir.' });
    }
    throw err;
  }
}

async function resolveRef(
  git: (args: string[]) => ReturnType<Capture>,
  ...candidates: string[]
): Promise<string | undefined> {
  for (const candidate of candidates) {
    if (candidate.startsWith('-')) continue;
    const r = await git(['rev-parse', '--verify', '--quiet', `${candidate}^{commit}`]);
    if (r.exitCode === 0 && r.stdout.trim() !== '') return r.stdout.trim();
  }
  return undefined;
}

/** The branch `ref` names on origin (refs/heads/<ref>), if there is one. */
async function remoteBranch(
  git: (args: string[]) => ReturnType<Capture>,
  ref: string,
): Promise<string | undefined> {
  if (ref.startsWith('-')) return undefined;
  const r = await git(['ls-remote', '--heads', 'origin', ref]);
  const name = ref.startsWith('refs/heads/') ? ref : `refs/heads/${ref}`;
  return r.exitCode === 0 && r.stdout.split('\n').some((l) => l.split('\t')[1] === name) ? name : undefined;
}

function gitFailed(what: string, repo: string, r: StreamResult): FailureError {
  return new FailureError(`${what} failed (exit ${r.exitCode}) for ${displayUrl(repo)}`, {
    details: r.tail.slice(-6),
    hint: 'check the repository URL (--repo) and your network access, then run the command again.',
  });
}

function lastLines(text: string, n = 6): string[] {
  return text
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean)
    .slice(-n);
}
