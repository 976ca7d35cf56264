import { parse } from 'yaml';
import { configSchema, finish } from '../../src/config/schema.js';
import { MANAGED_KEYS } from '../../src/inventory/merge.js';
import { renderVars } from '../../src/inventory/render.js';
import { parseVarsDocument } from '../../src/inventory/yaml-doc.js';
import { realMdadFile, sharedMissing } from '../helpers/shared-refs.js';

/** The inventory raises exactly the two login loggers to INFO, in the shape MDAD really reads. */

const LOGIN_LOGGERS = [
  { name: 'synapse.handlers.auth', level: 'INFO' },
  { name: 'synapse.rest.client.login', level: 'INFO' },
];

async function renderedVars(): Promise<Record<string, unknown>> {
  const config = finish(configSchema.parse({ domain: 'example.com', server: { address: '203.0.113.10' } }));
  const text = await renderVars(config, {
    secrets: {
      matrix_homeserver_generic_secret_key: 'a'.repeat(64),
      postgres_connection_password: 'b'.repeat(64),
    },
    migrationVersion: 'v2026.05.18.0',
  });
  return parseVarsDocument(text).toJS() as Record<string, unknown>;
}

describe('login loggers in vars.yml', () => {
  it('lists just the two login loggers at INFO, as a managed key', async () => {
    const vars = await renderedVars();
    expect(vars.matrix_synapse_additional_loggers_custom).toEqual(LOGIN_LOGGERS);
    expect(MANAGED_KEYS).toContain('matrix_synapse_additional_loggers_custom');
    // Nothing else raises Synapse's level: the rest stays at MDAD's WARNING.
    expect(Object.keys(vars).filter((k) => /log_level|loggers/.test(k))).toEqual([
      'matrix_synapse_additional_loggers_custom',
    ]);
  });

  it('matches the real MDAD: the variable exists, defaults to [], and the log config reads name and level', async () => {
    const why = sharedMissing();
    if (why) {
      console.log(why);
      return;
    }
    const defaults = parse(realMdadFile('roles/custom/matrix-synapse/defaults/main.yml')!) as Record<
      string,
      unknown
    >;
    expect(defaults.matrix_synapse_additional_loggers_custom).toEqual([]);
    expect(String(defaults.matrix_synapse_additional_loggers)).toContain(
      'matrix_synapse_additional_loggers_custom',
    );
    // MDAD's own default level, which we deliberately leave alone.
    expect(defaults.matrix_synapse_log_level).toBe('WARNING');
    const auto = defaults.matrix_synapse_additional_loggers_auto as { name: string; level: string }[];
    for (const entry of auto) expect(Object.keys(entry).sort()).toEqual(['level', 'name']);
    // Our loggers are not among the ones MDAD silences itself.
    for (const l of LOGIN_LOGGERS) expect(auto.map((a) => a.name)).not.toContain(l.name);
    const template = realMdadFile('roles/custom/matrix-synapse/templates/synapse/synapse.log.config.j2')!;
    expect(template).toContain('{% for logger in matrix_synapse_additional_loggers %}');
    expect(template).toContain('{{ logger.name }}:');
    expect(template).toContain('level: {{ logger.level }}');
    // What docs/watch.md says about MDAD's defaults.
    expect(defaults.matrix_synapse_container_labels_public_client_synapse_admin_api_enabled).toBe(false);
    expect(defaults.matrix_synapse_user_ips_max_age).toBe('28d');
    // The line format the log source of `watch` parses.
    expect(template).toContain(
      "format: '%(asctime)s - %(name)s - %(lineno)d - %(levelname)s - %(request)s - %(message)s'",
    );
  });
});
