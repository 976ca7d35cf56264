/**
 * The config before validation: what YAML or the wizard's answers give, and how a later source
 * (flags) overrides an earlier one (a file). src/config/schema.ts turns it into a Config.
 */

/** The raw (unvalidated) config shape, as read from YAML or built from answers. */
export interface RawConfig {
  domain?: string;
  server?: {
    address?: string;
    ssh_user?: string;
    ssh_port?: number;
    become?: boolean;
    ipv6?: string;
  };
  homeserver?: string;
  element?: boolean;
  serve_base_domain?: boolean;
  srv_delegation?: boolean;
  audio_video?: { enabled?: boolean; stack?: string; external_ip?: string; jitsi_allow_anonymous?: boolean };
  letsencrypt_email?: string;
  users?: { name: string; admin?: boolean }[];
  playbook?: { path?: string; repo?: string; ref?: string };
  case_dir?: string;
  [key: string]: unknown;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Deep-merge `override` into `base` (objects merge; arrays and scalars replace). */
export function mergeRaw(base: unknown, override: RawConfig): RawConfig {
  const out: Record<string, unknown> = isPlainObject(base) ? { ...base } : {};
  for (const [key, value] of Object.entries(override)) {
    out[key] =
      isPlainObject(value) && isPlainObject(out[key]) ? mergeRaw(out[key], value as RawConfig) : value;
  }
  return out as RawConfig;
}
