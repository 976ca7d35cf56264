import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { CALL_PORTS } from '../../src/config/calls.js';
import { validateConfig } from '../../src/config/validate.js';
import { jitsiAccountsFor } from '../../src/inventory/jitsi-accounts.js';
import { renderVars } from '../../src/inventory/render.js';
import { callEndpoints, JITSI_XMPP_DOMAIN, RTC_FOCI_KEY } from '../../src/verify/call-checks.js';
import { ROOT } from '../helpers/cli.js';
import { describeReal, REAL, type RealMdad, realMdad } from '../helpers/real-mdad.js';

/**
 * The call stacks against the real MDAD (../shared/mdad): every variable init writes for calls
 * exists there, the ports we check are the ones its docs list, and the URLs verify probes are
 * the ones it configures. Skipped, with the reason, where ../shared/mdad is absent.
 */

let mdad: RealMdad;
const show = (path: string) => readFileSync(join(mdad.checkout, path), 'utf8');
const role = (name: string, path: string) => readFileSync(join(mdad.galaxy, name, path), 'utf8');

beforeAll(() => {
  if (REAL.dir) mdad = realMdad();
});

describeReal('calls against the real MDAD', () => {
  it('every call variable init writes is defined by the real playbook or its roles', async () => {
    const defined = [
      show('roles/custom/matrix-element-call/defaults/main.yml'),
      show('group_vars/matrix_servers'),
      role('jitsi', 'defaults/main.yml'),
      role('coturn', 'defaults/main.yml'),
    ].join('\n');
    const { config } = validateConfig({
      domain: 'example.com',
      server: { address: '203.0.113.10', ipv6: '2001:db8::10' },
      users: [{ name: 'lead', admin: true }],
      audio_video: { enabled: true, stack: 'both' },
    });
    const accounts = jitsiAccountsFor(['lead'], new Map()).accounts;
    const vars = parse(
      await renderVars(config, {
        secrets: {
          matrix_homeserver_generic_secret_key: 'a'.repeat(64),
          postgres_connection_password: 'b'.repeat(64),
        },
        migrationVersion: 'v2026.05.18.0',
        jitsiAccounts: accounts,
      }),
    ) as Record<string, unknown>;
    const callKeys = Object.keys(vars).filter((k) => /^(matrix_rtc|jitsi_|coturn_)/.test(k));
    expect(callKeys.length).toBeGreaterThanOrEqual(8);
    for (const key of callKeys) expect([key, new RegExp(`^${key}:`, 'm').test(defined)]).toEqual([key, true]);
    // The account items have the shape the Jitsi role's prosody task reads.
    expect(role('jitsi', 'docs/configuring-jitsi.md')).toMatch(
      /jitsi_prosody_auth_internal_accounts:\n\s+- username: .*\n\s+password: /,
    );
  });

  it("LiveKit's ports are the ones MDAD's livekit-server docs list, and the preflight hook checks them", () => {
    const doc = show('docs/configuring-playbook-livekit-server.md');
    const firewall = doc.slice(
      doc.indexOf('## Adjusting firewall rules'),
      doc.indexOf('## TURN TLS handling'),
    );
    const listed = [...firewall.matchAll(/`(\d+(?:-\d+)?)\/(tcp|udp)`/g)].map((m) => `${m[1]}/${m[2]}`);
    const ours = [
      ...CALL_PORTS.elementCall.tcp.map((p) => `${p}/tcp`),
      ...CALL_PORTS.elementCall.udp.map((p) => `${p}/udp`),
    ];
    expect([...listed].sort()).toEqual([...ours].sort());
    const hook = readFileSync(join(ROOT, 'playbook-hooks/pre-setup/10-server-preflight.yml'), 'utf8');
    expect(hook).toContain(`[${CALL_PORTS.elementCall.tcp.join(', ')}] if _pf_rtc`);
    const udp = CALL_PORTS.elementCall.udp.map((p) => (p.includes('-') ? `'${p}'` : p)).join(', ');
    expect(hook).toContain(`[${udp}] if _pf_rtc`);
    // Jitsi's video bridge and coturn: the role defaults.
    expect(role('jitsi', 'defaults/main.yml')).toMatch(
      new RegExp(`^jitsi_jvb_rtp_udp_port: ${CALL_PORTS.jitsi.udp[0]}$`, 'm'),
    );
    for (const port of ['3478', '5349'])
      expect(role('coturn', 'defaults/main.yml')).toContain(`'${port}' if coturn_container_network`);
  });

  it('verify probes what MDAD serves: the LiveKit JWT path, the rtc_foci key, the Jitsi XMPP domain', () => {
    const e = callEndpoints('example.com');
    expect(show('roles/custom/matrix-livekit-jwt-service/defaults/main.yml')).toMatch(
      new RegExp(`^matrix_livekit_jwt_service_path_prefix: "${new URL(e.livekitServiceUrl).pathname}"$`, 'm'),
    );
    const groupVars = show('group_vars/matrix_servers');
    expect(groupVars).toContain(
      `matrix_static_files_file_matrix_client_property_${RTC_FOCI_KEY.replace(/\./g, '_')}_enabled`,
    );
    expect(groupVars).toContain(
      "'type': 'livekit', 'livekit_service_url': matrix_livekit_jwt_service_public_url",
    );
    expect(role('jitsi', 'defaults/main.yml')).toMatch(
      new RegExp(`^jitsi_xmpp_domain: ${JITSI_XMPP_DOMAIN.replace('.', '\\.')}$`, 'm'),
    );
    // Jitsi's guests and auth default to the open instance the issue warns about: we must set them.
    expect(role('jitsi', 'defaults/main.yml')).toMatch(/^jitsi_enable_auth: false$/m);
  });

  it("MDAD's Jitsi check refuses internal auth without accounts, as our config rule does first", () => {
    expect(role('jitsi', 'tasks/validate_config.yml')).toContain(
      "jitsi_auth_type == 'internal' and jitsi_prosody_auth_internal_accounts|length == 0",
    );
  });
});
