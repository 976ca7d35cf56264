import { z } from 'zod';
import { anonymousJitsiWarning, CALL_STACKS, type CallStack, defaultCallStack } from './calls.js';
import { crossFieldIssues } from './rules.js';
import { fallbackWarnings } from './servers.js';
import {
  addressProblem,
  checkDomain,
  emailProblem,
  HOMESERVERS,
  ipv4Problem,
  ipv6Problem,
  localpartProblem,
  portProblem,
  sshUserProblem,
  USER_CREATOR_HOMESERVERS,
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

/** A further server of the case (docs/fallback.md): its own domain and SSH connection. */
const fallbackServer = z.strictObject(
  {
    domain,
    server,
  },
  { error: kind('a mapping', 'each fallback entry needs domain: and server: { address: ... }') },
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
  enabled: bool('enabled: true turns on audio/video calls').default(false),
  stack: z
    .enum(CALL_STACKS, {
      error: kind(
        `one of ${CALL_STACKS.join(', ')}`,
        'stack: element-call (Element X and Element Web), jitsi (Jitsi widgets), or both',
      ),
    })
    .optional(),
  external_ip: text(
    "the server's public IPv4 address for TURN, e.g. external_ip: 203.0.113.10",
    ipv4Problem,
  ).optional(),
  jitsi_allow_anonymous: bool(
    'jitsi_allow_anonymous: true opens Jitsi to anyone on the internet (not recommended)',
  ).default(false),
});

const playbook = z.strictObject({
  path: text('path to a matrix-docker-ansible-deploy checkout, e.g. path: ./playbook').optional(),
  repo: text('git URL of the playbook').optional(),
  ref: text('git revision (a branch or a full commit) of the playbook').optional(),
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
  // Each check names its own range: the type's message ("must be a number") would be wrong for 20.
  query_timeout_ms: z
    .number({ error: kind('a number', 'query_timeout_ms: 2000') })
    .int({ error: 'must be a whole number of milliseconds above 0, e.g. query_timeout_ms: 2000' })
    .positive({ error: 'must be a whole number of milliseconds above 0, e.g. query_timeout_ms: 2000' })
    .optional(),
  retries: z
    .number({ error: kind('a number', 'retries: 1') })
    .int({ error: 'must be a whole number from 0 to 10, e.g. retries: 1' })
    .min(0, { error: 'must be a whole number from 0 to 10, e.g. retries: 1' })
    .max(10, { error: 'must be a whole number from 0 to 10, e.g. retries: 1' })
    .optional(),
});

export { SRV_DELEGATION_REFUSED } from './rules.js';

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
    /**
     * Refused when true (see the cross-field rules): MDAD's SRV delegation needs a wildcard
     * certificate through a DNS-01 challenge with the DNS provider's API credentials.
     */
    srv_delegation: bool('srv_delegation: false (SRV delegation is not supported)').default(false),
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
    fallback: z
      .array(fallbackServer, {
        error: kind('a list', 'fallback: [{ domain: example.org, server: { address: 198.51.100.20 } }]'),
      })
      .optional(),
  })
  // Cross-field rules run even when single fields failed, so every problem is reported at once;
  // they read the partial value defensively.
  .superRefine(
    (cfg, ctx) => {
      for (const issue of crossFieldIssues(cfg)) ctx.addIssue({ code: 'custom', ...issue });
    },
    { when: () => true },
  );

export type ConfigInput = z.input<typeof configSchema>;
type Parsed = z.output<typeof configSchema>;

/** The validated config, with the derived defaults filled in. */
export type Config = Omit<Parsed, 'server' | 'audio_video' | 'fallback'> & {
  server: Parsed['server'] & { become: boolean };
  audio_video: Parsed['audio_video'] & { stack: CallStack };
  fallback?: { domain: string; server: Parsed['server'] & { become: boolean } }[];
};

/** Fill the defaults that depend on other fields. */
export function finish(parsed: Parsed): Config {
  const become = parsed.server.become ?? parsed.server.ssh_user !== 'root';
  const av = parsed.audio_video;
  const stack = av.stack ?? defaultCallStack(parsed.homeserver);
  const external =
    av.external_ip ??
    (av.enabled && stack !== 'element-call' && !ipv4Problem(parsed.server.address)
      ? parsed.server.address
      : undefined);
  const fallback = parsed.fallback?.map((f) => ({
    ...f,
    server: { ...f.server, become: f.server.become ?? f.server.ssh_user !== 'root' },
  }));
  const { fallback: _raw, ...rest } = parsed;
  return {
    ...rest,
    ...(fallback ? { fallback } : {}),
    server: { ...parsed.server, become },
    audio_video: { ...av, stack, ...(external ? { external_ip: external } : {}) },
  };
}

/** Warnings that are not errors (the config is usable). */
export function configWarnings(cfg: Config): string[] {
  const warnings: string[] = [];
  const d = checkDomain(cfg.domain);
  if (d.warning) warnings.push(`domain: ${d.warning}`);
  if (!USER_CREATOR_HOMESERVERS.includes(cfg.homeserver) && cfg.users.length > 0) {
    warnings.push(
      `homeserver: the playbook cannot create users on ${cfg.homeserver} (no register-user or user-creator task): create them with its own tools, or use ${USER_CREATOR_HOMESERVERS.join(', ')}`,
    );
  }
  const jitsiOpen = anonymousJitsiWarning(cfg);
  if (jitsiOpen) warnings.push(jitsiOpen);
  if (cfg.users.length > 0 && !cfg.users.some((u) => u.admin)) {
    warnings.push(
      'users: nobody is an admin; make one user admin: true to manage the server and the #control room',
    );
  }
  warnings.push(...fallbackWarnings(cfg));
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
    fallback: fallbackServer.shape,
    'fallback.server': server.shape,
  };
  return Object.keys(shapes[named] ?? {});
}
