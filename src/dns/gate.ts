import type { Config } from '../config/schema.js';
import { UserError } from '../errors.js';
import { checkDns, type DnsCheckOptions, resolveHost, type WaitOptions, waitForDns } from './check.js';
import {
  checkedNames,
  type DnsTarget,
  type ExpectedRecord,
  expectedRecords,
  targetFromConfig,
} from './records.js';
import { configLayer, envLayer, resolveSettings, type SettingsLayer } from './settings.js';
import type { DnsReport } from './types.js';

/**
 * The DNS gate for commands that need DNS right before slow work (`deploy`, `up`):
 *
 *   const { report } = await caseDnsCheck(config);                 // one check
 *   const { report } = await caseDnsCheck(config, { wait: {...} }); // --wait semantics
 *   if (!report.ready) throw new ExitError(ExitCode.NOT_READY);
 *
 * Settings come from `flags` (optional), MATRIX_OOB_DNS_* variables and the config's `dns:`
 * section, in that order. Throws UserError (exit 2) when the expected address cannot be known,
 * FailureError (exit 1) when the check itself cannot run.
 */
export interface CaseDnsCheckOptions {
  /** --ip / --ipv6 overrides. */
  ipv4?: string;
  ipv6?: string;
  flags?: SettingsLayer;
  env?: NodeJS.ProcessEnv;
  wait?: WaitOptions;
  signal?: AbortSignal;
  /** Told about what the check assumed (e.g. the address a host name resolved to). */
  note?: (text: string) => void;
}

export interface PreparedCheck {
  target: DnsTarget;
  expected: ExpectedRecord[];
  options: DnsCheckOptions;
}

export async function prepareCaseCheck(config: Config, o: CaseDnsCheckOptions = {}): Promise<PreparedCheck> {
  const t = targetFromConfig(config, {
    ...(o.ipv4 ? { ipv4: o.ipv4 } : {}),
    ...(o.ipv6 ? { ipv6: o.ipv6 } : {}),
  });
  const layers = [...(o.flags ? [o.flags] : []), envLayer(o.env ?? process.env), configLayer(config.dns)];
  const options: DnsCheckOptions = {
    domain: t.target.domain,
    ...(await resolveSettings(layers)),
    ...(o.signal ? { signal: o.signal } : {}),
  };
  const target = t.hostToResolve ? await addressOfHost(t.hostToResolve, t.target, options, o.note) : t.target;
  return { target, expected: expectedRecords(target), options };
}

/**
 * server.address is a host name: the expected address is what that name resolves to, by our own
 * authoritative lookups. If the name is one of the checked records the check would be circular,
 * so --ip is required.
 */
async function addressOfHost(
  host: string,
  target: DnsTarget,
  options: DnsCheckOptions,
  note?: (text: string) => void,
): Promise<DnsTarget> {
  if (checkedNames(target).includes(host)) {
    throw new UserError(
      `server.address is ${host}, one of the names this check verifies, so it cannot tell what the record should hold`,
      { hint: "pass the server's address: matrix-oob dns check --ip <ipv4> [--ipv6 <ipv6>]" },
    );
  }
  const found = await resolveHost(host, options);
  if (!found.ipv4 && !found.ipv6) {
    throw new UserError(
      `server.address ${host} has no A or AAAA record, so the expected address is unknown`,
      {
        hint: "pass the server's address with --ip <ipv4>",
      },
    );
  }
  note?.(
    `server.address ${host} resolves to ${[found.ipv4, found.ipv6].filter(Boolean).join(', ')}: expecting that`,
  );
  return {
    ...target,
    ...(found.ipv4 ? { ipv4: found.ipv4 } : {}),
    ...(found.ipv6 && !target.ipv6 ? { ipv6: found.ipv6 } : {}),
  };
}

export async function caseDnsCheck(
  config: Config,
  o: CaseDnsCheckOptions = {},
): Promise<PreparedCheck & { report: DnsReport }> {
  const prepared = await prepareCaseCheck(config, o);
  const report = o.wait
    ? await waitForDns(prepared.expected, prepared.options, o.wait)
    : await checkDns(prepared.expected, prepared.options);
  return { ...prepared, report };
}
