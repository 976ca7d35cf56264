/**
 * The DNS readiness library (docs/dns.md). Commands import from here:
 * - caseDnsCheck(config, { wait? }) — the gate for deploy/up: expected records, settings, check.
 * - checkDns(expected, options) / waitForDns(expected, options, wait) — the check itself.
 * - expectedRecords(target), targetFromConfig(config) — what the config needs (pure).
 * - renderReport(report, colour), reportJson(report) — the two output forms.
 */
export { checkDns, type DnsCheckOptions, resolveHost, type WaitOptions, waitForDns } from './check.js';
export { type CaseDnsCheckOptions, caseDnsCheck, type PreparedCheck, prepareCaseCheck } from './gate.js';
export { type DnsTarget, type ExpectedRecord, expectedRecords, targetFromConfig } from './records.js';
export { progressLine, renderReport, reportJson, verdictLine } from './report.js';
export { configLayer, envLayer, resolveSettings, type SettingsLayer } from './settings.js';
export type { DnsReport, Finding, RecordReport, RecordState, ServerAnswer, ZoneView } from './types.js';
