import { z } from 'zod';
import {
  addressProblem,
  checkDomain,
  emailProblem,
  HOMESERVERS,
  HOMESERVERS_WITH_REGISTER_USER,
  ipv4Problem,
  ipv6Problem,
  localpartProblem,
  portProblem,
  sshUserProblem,
} from './validators.js';

/**
 * The one config model. The wizard and the config file (matrix-oob.yml) both produce it; every
 * command reads it. Keys are snake_case, as in the file. docs/config.md documents every field.
 */

type Check<T> = (value: T) => string | undefined;

function kind(expected: string, fix: string) {
  return (issue: { input?: unknown }) =>
    issue.input === undefined
      ? `is required: ${fix}`
      : `must be ${expected}, got ${JSON.stringify(issue.input)}: ${fix}`;
}

function text(fix: string, check?: Check<string>) {
  const base = z.string({ error: kind('text', fix) });
  return check
    ? base.superRefine((v, ctx) => {
        const problem = check(v);
        if (problem) ctx.addIssue({ code: 'custom', message: problem });
      })
    : base;
}

const bool = (fix: string) => z.boolean({ error: kind('true or false', fix) });

const domain = z
  .string({ error: kind('text', 'set the base domain of user IDs, e.g. domain: example.com') })
  .transform((v, ctx) => {
    const r = checkDomain(v);
    if (r.error || r.value === undefined) {
      ctx.addIssue({ code: 'custom', message: r.error ?? 'is not a domain' });
      return z.NEVER;
    }
    return r.value;
  });

const server = z.strictObject(
  {
    address: text(
      "set the server's public IPv4 address (or IPv6 / host name), e.g. address: 203.0.113.10",
      addressProblem,
    ),
    ssh_user: text('the SSH login, e.g. ssh_user: root', sshUserProblem).default('root'),
    ssh_port: z
      .number({ error: kind('a number', 'e.g. ssh_port: 22') })
      .superRefine((v, ctx) => {
        const problem = portProblem(v);
        if (problem) ctx.addIssue({ code: 'custom', message: problem });
      })
      .default(22),
    /** sudo to root; required when ssh_user is not root. Defaults to (ssh_user != root). */
    become: bool('become: true to sudo to root').optional(),
    ipv6: text("the server's public IPv6 address, e.g. ipv6: 2001:db8::10", ipv6Problem).optional(),
  },
  { error: kind('a mapping', 'add server: with address: <server IPv4> under it') },
);

const user = z.strictObject({
  name: text('a pseudonymous user name, e.g. name: analyst1', (v) => localpartProblem(v)),
  admin: bool('admin: true or admin: false').default(false),
});

/** The recorder's account (docs/record.md): registered with the users, invited to #control. */
const recorder = z.strictObject({
  enabled: bool('enabled: false leaves the recorder out (nothing is recorded)').default(true),
  name: text("the recorder's user name, e.g. name: recorder", (v) => localpartProblem(v)).default('recorder'),
});

const audioVideo = z.strictObject({
  enabled: bool('enabled: true turns on Jitsi (and coturn)').default(false),
  external_ip: text(
    "the server's public IPv4 address for TURN, e.g. external_ip: 203.0.113.10",
    ipv4Problem,
  ).optional(),
});

const playbook = z.strictObject({
  path: text('path to a matrix-docker-ansible-deploy checkout, e.g. path: ./playbook').optional(),
  repo: text('git URL of the playbook').optional(),
  ref: text('git revision (tag or commit) of the playbook').optional(),
});

/** Optional: where `dns check` asks (docs/dns.md). Flags and MATRIX_OOB_DNS_* variables override it. */
const dnsSettings = z.strictObject({
  resolvers: z
    .array(text('a resolver IP, optionally with :port, e.g. 1.1.1.1'), {
      error: kind('a list', 'resolvers: [1.1.1.1, 9.9.9.9], or [none]'),
    })
    .optional(),
  system_resolver: bool('system_resolver: false to skip the resolvers of /etc/resolv.conf').optional(),
  roots: z
    .array(text('a server IP, optionally with :port'), { error: kind('a list', 'roots: [198.41.0.4]') })
    .optional(),
  auth_port: z
    .number({ error: kind('a number', 'auth_port: 53') })
    .int({ error: 'must be a whole number from 1 to 65535 (DNS uses 53)' })
    .min(1, { error: 'must be a whole number from 1 to 65535 (DNS uses 53)' })
    .max(65535, { error: 'must be a whole number from 1 to 65535 (DNS uses 53)' })
    .optional(),
  query_timeout_ms: z
    .number({ error: kind('a number', 'query_timeout_ms: 2000') })
    .int()
    .positive()
    .optional(),
  retries: z
    .number({ error: kind('a number', 'retries: 1') })
    .int()
    .min(0)
    .max(10)
    .optional(),
});

export const configSchema = z
  .strictObject({
    domain,
    server,
    homeserver: z
      .enum(HOMESERVERS, {
        error: kind(`one of ${HOMESERVERS.join(', ')}`, 'homeserver: synapse is the default'),
      })
      .default('synapse'),
    element: bool('element: true serves Element Web at element.<domain>').default(true),
    serve_base_domain: bool('serve_base_domain: true when <domain> points at this server').default(true),
    srv_delegation: bool('srv_delegation: true only if you delegate federation with SRV records').default(
      false,
    ),
    audio_video: audioVideo.prefault({}),
    letsencrypt_email: text(
      'a contact e-mail, e.g. letsencrypt_email: security@example.com',
      emailProblem,
    ).optional(),
    users: z.array(user, { error: kind('a list', 'users: [{ name: analyst1, admin: true }]') }).default([]),
    recorder: recorder.prefault({}),
    playbook: playbook.prefault({}),
    case_dir: text('folder for this case, e.g. case_dir: ./case-2026-001').optional(),
    dns: dnsSettings.optional(),
  })
  // Cross-field rules run even when single fields failed, so every problem is reported at once;
  // they read the partial value defensively.
  .superRefine(
    (cfg, ctx) => {
      const srv = (cfg as Partial<typeof cfg>).server;
      if (srv && typeof srv.ssh_user === 'string' && srv.ssh_user !== 'root' && srv.become === false) {
        ctx.addIssue({
          code: 'custom',
          path: ['server', 'become'],
          message: `must be true when ssh_user is "${srv.ssh_user}": the playbook needs root (set become: true, or ssh_user: root)`,
        });
      }
      const users = Array.isArray(cfg.users) ? cfg.users : [];
      const seen = new Set<string>();
      users.forEach((u, i) => {
        if (typeof u?.name !== 'string') return;
        if (typeof cfg.domain === 'string' && localpartProblem(u.name) === undefined) {
          const problem = localpartProblem(u.name, cfg.domain);
          if (problem) ctx.addIssue({ code: 'custom', path: ['users', i, 'name'], message: problem });
        }
        if (seen.has(u.name)) {
          ctx.addIssue({
            code: 'custom',
            path: ['users', i, 'name'],
            message: `"${u.name}" is listed twice: remove one`,
          });
        }
        seen.add(u.name);
        const rec = (cfg as Partial<typeof cfg>).recorder;
        if (rec?.enabled !== false && u.name === (rec?.name ?? 'recorder')) {
          ctx.addIssue({
            code: 'custom',
            path: ['users', i, 'name'],
            message: `"${u.name}" is the recorder's account (recorder.name): rename this user, or set recorder.name to another name`,
          });
        }
      });
      const av = (cfg as Partial<typeof cfg>).audio_video;
      if (
        av?.enabled === true &&
        !av.external_ip &&
        typeof srv?.address === 'string' &&
        ipv4Problem(srv.address)
      ) {
        ctx.addIssue({
          code: 'custom',
          path: ['audio_video', 'external_ip'],
          message:
            "is required when server.address is not an IPv4 address: set the server's public IPv4 address",
        });
      }
    },
    { when: () => true },
  );

export type ConfigInput = z.input<typeof configSchema>;
type Parsed = z.output<typeof configSchema>;

/** The validated config, with the derived defaults filled in. */
export type Config = Omit<Parsed, 'server' | 'audio_video'> & {
  server: Parsed['server'] & { become: boolean };
  audio_video: Parsed['audio_video'];
};

/** Fill the defaults that depend on other fields. */
export function finish(parsed: Parsed): Config {
  const become = parsed.server.become ?? parsed.server.ssh_user !== 'root';
  const external =
    parsed.audio_video.external_ip ??
    (parsed.audio_video.enabled && !ipv4Problem(parsed.server.address) ? parsed.server.address : undefined);
  return {
    ...parsed,
    server: { ...parsed.server, become },
    audio_video: external ? { ...parsed.audio_video, external_ip: external } : { ...parsed.audio_video },
  };
}

/** Warnings that are not errors (the config is usable). */
export function configWarnings(cfg: Config): string[] {
  const warnings: string[] = [];
  const d = checkDomain(cfg.domain);
  if (d.warning) warnings.push(`domain: ${d.warning}`);
  if (!HOMESERVERS_WITH_REGISTER_USER.includes(cfg.homeserver) && cfg.users.length > 0) {
    warnings.push(
      `homeserver: ${cfg.homeserver} has no register-user task in the playbook; "matrix-oob user add" only works with synapse or dendrite`,
    );
  }
  if (cfg.users.length > 0 && !cfg.users.some((u) => u.admin)) {
    warnings.push(
      'users: nobody is an admin; make one user admin: true to manage the server and the #control room',
    );
  }
  return warnings;
}

/** The keys the file accepts at a path (array indices ignored), for did-you-mean on unknown keys. */
export function knownKeysAt(path: readonly PropertyKey[]): readonly string[] {
  const named = path.filter((p) => typeof p === 'string').join('.');
  const shapes: Record<string, object> = {
    '': configSchema.shape,
    server: server.shape,
    users: user.shape,
    recorder: recorder.shape,
    audio_video: audioVideo.shape,
    playbook: playbook.shape,
    dns: dnsSettings.shape,
  };
  return Object.keys(shapes[named] ?? {});
}
