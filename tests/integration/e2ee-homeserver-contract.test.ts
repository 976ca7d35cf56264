import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { ROOT } from '../helpers/cli.js';
import { ROUTES } from '../helpers/e2ee-homeserver.js';

// The recorder's test homeserver is a stand-in for Synapse: every route it serves must be a
// route of the Matrix specification's client-server API (v1.19, ../shared/matrix-spec).
const TARBALL = join(ROOT, '..', 'shared', 'matrix-spec', 'matrix-spec-v1.19-api.tar.gz');
const present = existsSync(TARBALL);

/** "GET /_matrix/client/v3/rooms/{}/messages" for every operation of the spec. */
function specRoutes(): Set<string> {
  const dir = mkdtempSync(join(tmpdir(), 'matrix-oob-spec-'));
  try {
    execFileSync('tar', ['-xzf', TARBALL, '-C', dir]);
    const api = join(dir, 'matrix-spec', 'data', 'api', 'client-server');
    const out = new Set<string>();
    for (const f of readdirSync(api).filter((n) => n.endsWith('.yaml'))) {
      const doc = parse(readFileSync(join(api, f), 'utf8')) as {
        servers?: { variables?: { basePath?: { default?: string } } }[];
        paths?: Record<string, Record<string, unknown>>;
      };
      const base = doc.servers?.[0]?.variables?.basePath?.default ?? '';
      for (const [path, ops] of Object.entries(doc.paths ?? {})) {
        for (const method of Object.keys(ops)) {
          out.add(`${method.toUpperCase()} ${(base + path).replace(/\{[^}]+\}/g, '{}')}`);
        }
      }
    }
    return out;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('the E2EE test homeserver against the Matrix specification', () => {
  (present ? it : it.skip)(
    `serves only routes the client-server API defines${present ? '' : ' (skipped: ../shared/matrix-spec is absent)'}`,
    () => {
      const spec = specRoutes();
      expect(spec.size).toBeGreaterThan(100);
      const ours = ROUTES.map((r) => `${r.method} ${r.path.replace(/\{[^}]+\}/g, '{}')}`);
      expect(ours.filter((r) => !spec.has(r))).toEqual([]);
      // The endpoints the traceability notes name are all served.
      for (const needed of [
        'POST /_matrix/client/v3/login',
        'GET /_matrix/client/v3/sync',
        'GET /_matrix/client/v3/rooms/{}/messages',
        'POST /_matrix/client/v3/keys/upload',
        'POST /_matrix/client/v3/keys/query',
        'POST /_matrix/client/v3/keys/claim',
        'PUT /_matrix/client/v3/sendToDevice/{}/{}',
        'POST /_matrix/client/v3/keys/device_signing/upload',
        'POST /_matrix/client/v3/keys/signatures/upload',
        'POST /_matrix/client/v3/room_keys/version',
        'PUT /_matrix/client/v3/room_keys/keys',
        'GET /_matrix/client/v1/media/download/{}/{}',
      ]) {
        expect(ours).toContain(needed);
      }
    },
  );
});
