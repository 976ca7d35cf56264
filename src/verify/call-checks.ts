import { callServices } from '../config/calls.js';
import type { Config } from '../config/schema.js';
import { CheckFailure, type CheckId, type CheckSpec, jsonObject, type Owner } from './spec.js';

/**
 * Checks of the call services, from outside, following audio_video.stack (docs/calls.md):
 * - Element Call: the base domain's client well-known advertises the LiveKit focus (what
 *   Element X and Element Web read to find it), and the LiveKit JWT service answers.
 * - Jitsi: the web front end answers, and its XMPP server offers no anonymous login on the
 *   main domain (asked over BOSH, as a browser does), so nobody can start a meeting unasked.
 */

type CallConfig = Pick<Config, 'domain' | 'serve_base_domain'> &
  Partial<Pick<Config, 'audio_video' | 'homeserver'>>;

/** MSC4143's key in /.well-known/matrix/client for the RTC foci (MatrixRTC transports). */
export const RTC_FOCI_KEY = 'org.matrix.msc4143.rtc_foci';
/** Jitsi's XMPP domain in MDAD's Jitsi role (jitsi_xmpp_domain). */
export const JITSI_XMPP_DOMAIN = 'meet.jitsi';

export function callEndpoints(domain: string) {
  const matrix = `https://matrix.${domain}`;
  return {
    livekitServiceUrl: `${matrix}/livekit-jwt-service`,
    livekitJwtHealth: `${matrix}/livekit-jwt-service/healthz`,
    wellKnownClient: `https://${domain}/.well-known/matrix/client`,
    jitsiWeb: `https://jitsi.${domain}/`,
    jitsiBosh: `https://jitsi.${domain}/http-bind`,
  };
}

/** A BOSH session request (XEP-0124/XEP-0206) for Jitsi's XMPP domain. */
export function boshSessionRequest(rid: number): string {
  return (
    `<body content='text/xml; charset=utf-8' hold='1' rid='${rid}' to='${JITSI_XMPP_DOMAIN}' ver='1.6' wait='10' ` +
    `xml:lang='en' xmpp:version='1.0' xmlns='http://jabber.org/protocol/httpbind' xmlns:xmpp='urn:xmpp:xbosh'/>`
  );
}

/** The SASL mechanisms offered in a BOSH answer's stream features (RFC 6120 section 6.3.3). */
export function saslMechanisms(body: string): string[] | undefined {
  const block = /<mechanisms\b[^>]*urn:ietf:params:xml:ns:xmpp-sasl[^>]*>([\s\S]*?)<\/mechanisms>/.exec(body);
  if (!block) return undefined;
  return [...block[1]!.matchAll(/<mechanism>\s*([^<\s]+)\s*<\/mechanism>/g)].map((m) => m[1]!.toUpperCase());
}

export function callCheckSpecs(config: CallConfig): CheckSpec[] {
  if (!config.audio_video) return [];
  const services = callServices({
    audio_video: config.audio_video,
    homeserver: config.homeserver ?? 'synapse',
  });
  const e = callEndpoints(config.domain);
  const redeploy = 'run "matrix-oob deploy" again, then "matrix-oob verify"';
  const specs: CheckSpec[] = [];
  if (services.elementCall) {
    const baseOwner: Owner = config.serve_base_domain ? 'ours' : 'base-elsewhere';
    const focus = `{"${RTC_FOCI_KEY}": [{"type": "livekit", "livekit_service_url": "${e.livekitServiceUrl}"}]}`;
    specs.push(
      {
        id: 'rtc-foci',
        title: 'Element Call focus',
        url: e.wellKnownClient,
        owner: baseOwner,
        contentFix: config.serve_base_domain
          ? `MDAD adds the LiveKit focus to this file when matrix_rtc_enabled is true: ${redeploy}`
          : `add ${focus} to /.well-known/matrix/client on the web server of ${config.domain} (Element X finds calls there)`,
        inspect(res) {
          const body = jsonObject(res, this.contentFix);
          const foci = body[RTC_FOCI_KEY];
          const livekit = Array.isArray(foci)
            ? foci.find(
                (f): f is Record<string, unknown> =>
                  f !== null && typeof f === 'object' && (f as Record<string, unknown>).type === 'livekit',
              )
            : undefined;
          if (!livekit) {
            throw new CheckFailure(
              `has no livekit entry in "${RTC_FOCI_KEY}" (Element X and Element Web cannot start calls)`,
              this.contentFix,
            );
          }
          const url = livekit.livekit_service_url;
          if (typeof url !== 'string' || url.replace(/\/+$/, '') !== e.livekitServiceUrl) {
            throw new CheckFailure(
              `livekit_service_url is ${JSON.stringify(url)}, expected "${e.livekitServiceUrl}"`,
              this.contentFix,
            );
          }
          return `advertises LiveKit at ${e.livekitServiceUrl}`;
        },
      },
      answering(
        'livekit-jwt',
        'LiveKit JWT service',
        e.livekitJwtHealth,
        'answers (calls can get LiveKit tokens)',
        `the LiveKit JWT service does not answer behind the reverse proxy: on the server run "systemctl status matrix-livekit-jwt-service matrix-livekit-server", then ${redeploy}`,
      ),
    );
  }
  if (services.jitsi) {
    specs.push(
      answering(
        'jitsi-web',
        'Jitsi',
        e.jitsiWeb,
        'the web front end answers',
        `Jitsi's web front end does not answer: on the server run "systemctl status matrix-jitsi-web", then ${redeploy}`,
      ),
    );
    if (services.jitsiAuth) {
      specs.push({
        id: 'jitsi-auth',
        title: 'Jitsi login',
        url: e.jitsiBosh,
        owner: 'ours',
        post: {
          body: boshSessionRequest(1 + Math.floor(Math.random() * 1e9)),
          contentType: 'text/xml; charset=utf-8',
        },
        contentFix: `Jitsi must require a login: check that vars.yml has jitsi_enable_auth: true and jitsi_enable_guests: false (re-run "matrix-oob init" to restore them), then ${redeploy}`,
        inspect(res) {
          if (res.status !== 200) {
            throw new CheckFailure(
              `HTTP ${res.status} from Jitsi's XMPP (BOSH), expected 200`,
              this.contentFix,
            );
          }
          const mechanisms = saslMechanisms(res.body);
          if (mechanisms === undefined) {
            throw new CheckFailure(
              'the XMPP answer lists no login methods (SASL mechanisms)',
              this.contentFix,
            );
          }
          if (mechanisms.includes('ANONYMOUS')) {
            throw new CheckFailure(
              'Jitsi lets anyone start a meeting without logging in (anonymous XMPP login offered)',
              this.contentFix,
            );
          }
          return `meetings need a login (${mechanisms.join(', ')}; no anonymous login)`;
        },
      });
    }
  }
  return specs;
}

/** A service of ours that must answer HTTP 200 behind the reverse proxy; any body will do. */
function answering(id: CheckId, title: string, url: string, ok: string, contentFix: string): CheckSpec {
  return {
    id,
    title,
    url,
    owner: 'ours',
    contentFix,
    inspect(res) {
      if (res.status !== 200) throw new CheckFailure(`HTTP ${res.status}, expected 200`, this.contentFix);
      return ok;
    },
  };
}
