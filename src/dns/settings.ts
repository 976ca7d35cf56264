import { UserError } from '../errors.js';
import type { DnsCheckOptions } from './check.js';
import { DEFAULT_PUBLIC_RESOLVERS, parseResolver, type ResolverSpec, systemResolvers } from './public.js';

/**
 * Where the check asks: root/parent servers, the authoritative port, resolvers, timeouts.
 * Layers are merged highest first: flags, then environment, then the config's `dns:` section,
 * then defaults. Everything is settable so tests can point the check at servers on 127.0.0.0/8.
 */
export interface DnsSettings {
  roots?: string[];
  resolvers?: string[];
  systemResolver?: boolean;
  authPort?: number;
  queryTimeoutMs?: number;
  retries?: number;
}

export interface SettingsLayer {
  /** Names the origin in error messages: "flag", "environment", "config". */
  source: string;
  names: Record<keyof DnsSettings, string>;
  values: DnsSettings;
}

export const ENV = {
  roots: 'MATRIX_OOB_DNS_ROOTS',
  resolvers: 'MATRIX_OOB_DNS_RESOLVERS',
  systemResolver: 'MATRIX_OOB_DNS_SYSTEM_RESOLVER',
  authPort: 'MATRIX_OOB_DNS_AUTH_PORT',
  queryTimeoutMs: 'MATRIX_OOB_DNS_QUERY_TIMEOUT_MS',
  retries: 'MATRIX_OOB_DNS_RETRIES',
  resolvConf: 'MATRIX_OOB_RESOLV_CONF',
} as const;

const list = (v: string | undefined) =>
  v === undefined
    ? undefined
    : v
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean);

export function envLayer(env: NodeJS.ProcessEnv): SettingsLayer {
  const num = (name: string) => {
    const v = env[name];
    if (v === undefined || v === '') return undefined;
    const n = Number(v);
    if (!Number.isInteger(n) || n < 0)
      throw new UserError(`${name}: must be a whole number, got ${JSON.stringify(v)}`);
    return n;
  };
  const sys = env[ENV.systemResolver];
  const values: DnsSettings = {};
  const roots = list(env[ENV.roots]);
  const resolvers = list(env[ENV.resolvers]);
  if (roots) values.roots = roots;
  if (resolvers) values.resolvers = resolvers;
  if (sys !== undefined && sys !== '')
    values.systemResolver = !['0', 'false', 'no', 'off'].includes(sys.toLowerCase());
  const port = num(ENV.authPort);
  const timeout = num(ENV.queryTimeoutMs);
  const retries = num(ENV.retries);
  if (port !== undefined) values.authPort = port;
  if (timeout !== undefined) values.queryTimeoutMs = timeout;
  if (retries !== undefined) values.retries = retries;
  return { source: 'environment', names: { ...ENV }, values };
}

export function configLayer(dns: DnsSettingsConfig | undefined): SettingsLayer {
  const values: DnsSettings = {};
  if (dns?.roots) values.roots = dns.roots;
  if (dns?.resolvers) values.resolvers = dns.resolvers;
  if (dns?.system_resolver !== undefined) values.systemResolver = dns.system_resolver;
  if (dns?.auth_port !== undefined) values.authPort = dns.auth_port;
  if (dns?.query_timeout_ms !== undefined) values.queryTimeoutMs = dns.query_timeout_ms;
  if (dns?.retries !== undefined) values.retries = dns.retries;
  return {
    source: 'config',
    names: {
      roots: 'dns.roots',
      resolvers: 'dns.resolvers',
      systemResolver: 'dns.system_resolver',
      authPort: 'dns.auth_port',
      queryTimeoutMs: 'dns.query_timeout_ms',
      retries: 'dns.retries',
    },
    values,
  };
}

/** The config file's `dns:` section (src/config/schema.ts). */
export interface DnsSettingsConfig {
  roots?: string[] | undefined;
  resolvers?: string[] | undefined;
  system_resolver?: boolean | undefined;
  auth_port?: number | undefined;
  query_timeout_ms?: number | undefined;
  retries?: number | undefined;
}

function pick<K extends keyof DnsSettings>(
  layers: SettingsLayer[],
  key: K,
): { value: DnsSettings[K]; name: string } | undefined {
  for (const l of layers)
    if (l.values[key] !== undefined) return { value: l.values[key], name: l.names[key] };
  return undefined;
}

function servers(texts: string[], name: string): ResolverSpec[] {
  return texts.map((t) => {
    try {
      return parseResolver(t);
    } catch (err) {
      throw new UserError(`${name}: ${(err as Error).message}`, {
        hint: 'give IP addresses, optionally with a port: 1.1.1.1, 127.0.0.1:5300, [::1]:5300',
      });
    }
  });
}

/** Merge the layers into options for checkDns. */
export async function resolveSettings(
  layers: SettingsLayer[],
  resolvConf = process.env[ENV.resolvConf] ?? '/etc/resolv.conf',
): Promise<Pick<DnsCheckOptions, 'roots' | 'authPort' | 'resolvers' | 'clientOptions'>> {
  const port = pick(layers, 'authPort');
  if (port && (port.value! < 1 || port.value! > 65535)) {
    throw new UserError(`${port.name}: must be a port between 1 and 65535, got ${port.value}`);
  }
  const roots = pick(layers, 'roots');
  const resolvers = pick(layers, 'resolvers');
  const sys = pick(layers, 'systemResolver')?.value ?? true;
  const publicList =
    resolvers === undefined
      ? servers(DEFAULT_PUBLIC_RESOLVERS, 'default resolvers')
      : resolvers.value!.length === 1 && resolvers.value![0] === 'none'
        ? []
        : servers(resolvers.value!, resolvers.name);
  const timeout = pick(layers, 'queryTimeoutMs')?.value;
  const retries = pick(layers, 'retries')?.value;
  const out: Pick<DnsCheckOptions, 'roots' | 'authPort' | 'resolvers' | 'clientOptions'> = {
    resolvers: [...(sys ? await systemResolvers(resolvConf) : []), ...publicList],
    clientOptions: {
      ...(timeout !== undefined ? { timeoutMs: timeout } : {}),
      ...(retries !== undefined ? { retries } : {}),
    },
  };
  if (roots) out.roots = servers(roots.value!, roots.name).map((s) => s.server);
  if (port) out.authPort = port.value!;
  return out;
}
