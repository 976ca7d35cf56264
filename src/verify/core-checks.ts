import type { Config } from '../config/schema.js';
import { CheckFailure, type CheckSpec, header, jsonObject, type Owner } from './spec.js';

/** The core checks: well-known files, client API, federation, Element. */

/** What a correct MDAD deployment serves for `domain`. */
export function expectedEndpoints(domain: string) {
  const matrix = `matrix.${domain}`;
  return {
    matrixHost: matrix,
    mServer: `${matrix}:8448`,
    baseUrl: `https://${matrix}`,
    wellKnownServer: `https://${domain}/.well-known/matrix/server`,
    wellKnownClient: `https://${domain}/.well-known/matrix/client`,
    clientVersions: `https://${matrix}/_matrix/client/versions`,
    federationVersion: `https://${matrix}:8448/_matrix/federation/v1/version`,
    elementConfig: `https://element.${domain}/config.json`,
  };
}

export function coreCheckSpecs(
  config: Pick<Config, 'domain' | 'serve_base_domain' | 'element'>,
): CheckSpec[] {
  const d = config.domain;
  const e = expectedEndpoints(d);
  const baseOwner: Owner = config.serve_base_domain ? 'ours' : 'base-elsewhere';
  const redeploy = 'run "matrix-oob deploy" again, then "matrix-oob verify"';
  const baseFix = (file: 'server' | 'client', content: string, header = '') =>
    config.serve_base_domain
      ? `this server serves ${d} (serve_base_domain: true): check that "A ${d}" points at it ("matrix-oob dns check") and ${redeploy}`
      : `on the web server of ${d}, serve /.well-known/matrix/${file} as ${content}${header} (or redirect /.well-known/matrix/ to https://${e.matrixHost}/.well-known/matrix/)`;

  const specs: CheckSpec[] = [
    {
      id: 'well-known-server',
      title: 'well-known server',
      url: e.wellKnownServer,
      owner: baseOwner,
      contentFix: baseFix('server', `{"m.server": "${e.mServer}"}`),
      inspect(res) {
        const body = jsonObject(res, this.contentFix);
        const value = body['m.server'];
        if (value === undefined) throw new CheckFailure('has no "m.server" key', this.contentFix);
        if (value !== e.mServer) {
          throw new CheckFailure(
            `m.server is ${JSON.stringify(value)}, expected "${e.mServer}" (other servers cannot federate)`,
            this.contentFix,
          );
        }
        return `m.server is ${e.mServer}`;
      },
    },
    {
      id: 'well-known-client',
      title: 'well-known client',
      url: e.wellKnownClient,
      owner: baseOwner,
      contentFix: baseFix(
        'client',
        `{"m.homeserver": {"base_url": "${e.baseUrl}"}}`,
        ' with the header "Access-Control-Allow-Origin: *"',
      ),
      inspect(res) {
        const body = jsonObject(res, this.contentFix);
        const problems: string[] = [];
        const hs = body['m.homeserver'];
        const baseUrl =
          hs !== null && typeof hs === 'object' ? (hs as Record<string, unknown>).base_url : undefined;
        if (baseUrl === undefined) problems.push('has no "m.homeserver.base_url"');
        else if (typeof baseUrl !== 'string' || baseUrl.replace(/\/+$/, '') !== e.baseUrl) {
          problems.push(`m.homeserver.base_url is ${JSON.stringify(baseUrl)}, expected "${e.baseUrl}"`);
        }
        const cors = header(res, 'access-control-allow-origin');
        if (cors === undefined) {
          problems.push(
            'no "Access-Control-Allow-Origin: *" header (web clients such as Element cannot read the file)',
          );
        } else if (cors.trim() !== '*') {
          problems.push(`"Access-Control-Allow-Origin" is ${JSON.stringify(cors)}, expected "*"`);
        }
        if (problems.length > 0) throw new CheckFailure(problems.join('; '), this.contentFix);
        return `m.homeserver.base_url is ${e.baseUrl}, CORS *`;
      },
    },
    {
      id: 'client-api',
      title: 'client API',
      url: e.clientVersions,
      owner: 'ours',
      contentFix: `the homeserver does not answer behind the reverse proxy: on the server run "systemctl list-units 'matrix-*'" to find the failed service, then ${redeploy}`,
      inspect(res) {
        const body = jsonObject(res, this.contentFix);
        const versions = body.versions;
        if (
          !Array.isArray(versions) ||
          versions.length === 0 ||
          !versions.every((v) => typeof v === 'string')
        ) {
          throw new CheckFailure('answer has no "versions" list of spec versions', this.contentFix);
        }
        return `serves spec versions ${versions[0]} to ${versions[versions.length - 1]} (${versions.length})`;
      },
    },
    {
      id: 'federation',
      title: 'federation',
      url: e.federationVersion,
      owner: 'ours',
      contentFix: `port 8448 answers but not as a Matrix homeserver: check that nothing else uses port 8448 on the server and ${redeploy}`,
      inspect(res) {
        const body = jsonObject(res, this.contentFix);
        const server = body.server;
        if (server === null || typeof server !== 'object') {
          throw new CheckFailure('answer has no "server" object', this.contentFix);
        }
        const { name, version } = server as Record<string, unknown>;
        const what = [name, version].filter((v) => typeof v === 'string').join(' ');
        return `port 8448, certificate valid for ${e.matrixHost}${what ? `, ${what}` : ''}`;
      },
    },
  ];
  if (config.element) {
    specs.push({
      id: 'element',
      title: 'Element',
      url: e.elementConfig,
      owner: 'ours',
      contentFix: `Element's config.json is not the one MDAD writes: ${redeploy}`,
      inspect(res) {
        const body = jsonObject(res, this.contentFix);
        const dsc = body.default_server_config as Record<string, unknown> | undefined;
        const hs = dsc?.['m.homeserver'] as Record<string, unknown> | undefined;
        const baseUrl = hs?.base_url;
        if (typeof baseUrl !== 'string' || baseUrl.replace(/\/+$/, '') !== e.baseUrl) {
          throw new CheckFailure(
            `default_server_config."m.homeserver".base_url is ${JSON.stringify(baseUrl)}, expected "${e.baseUrl}"`,
            this.contentFix,
          );
        }
        return `Element points at ${e.baseUrl}`;
      },
    });
  }
  return specs;
}
