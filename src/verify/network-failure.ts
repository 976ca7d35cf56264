import type { HttpsGetError } from './https.js';
import type { CheckSpec } from './spec.js';

const UNTRUSTED = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'UNABLE_TO_GET_ISSUER_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'CERT_UNTRUSTED',
]);

/** Turn a network-level failure into one line of what happened and one line of what to do. */
export function describeNetworkFailure(
  err: HttpsGetError,
  spec: Pick<CheckSpec, 'url' | 'owner'>,
): { detail: string; fix: string } {
  const u = new URL(err.url);
  const host = u.hostname;
  const port = u.port || '443';
  const elsewhere = spec.owner === 'base-elsewhere';
  const firewall = elsewhere
    ? `make the web server of ${host} answer HTTPS on port ${port}`
    : `open TCP port ${port} on the server's firewall and at the hosting provider, and check the reverse proxy runs ("systemctl status matrix-traefik")`;
  const certFix = elsewhere
    ? `give the web server of ${host} a valid certificate for ${host}`
    : `Traefik could not get a Let's Encrypt certificate for ${host}: check DNS ("matrix-oob dns check"), that ports 80 and 443 are open and any Cloudflare proxy is off ("DNS only"), then read "journalctl -u matrix-traefik" on the server`;
  switch (err.code) {
    case 'TIMEOUT':
      return { detail: `${host}:${port}: ${err.message}`, fix: firewall };
    case 'ECONNREFUSED':
      return {
        detail: `${host}:${port}: connection refused (nothing listens on port ${port})`,
        fix: firewall,
      };
    case 'ECONNRESET':
    case 'EPIPE':
      return { detail: `${host}:${port}: connection closed during the TLS handshake`, fix: certFix };
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
      return { detail: `${host}:${port}: no route to host`, fix: firewall };
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
    case 'ENODATA':
      return {
        detail: `${host} does not resolve (${err.code})`,
        fix: `create the DNS records first and wait until "matrix-oob dns check" passes`,
      };
    case 'TLS':
      return describeTls(err, host, certFix);
    case 'TOO_MANY_REDIRECTS':
    case 'INSECURE_REDIRECT':
      return {
        detail: err.message,
        fix: elsewhere
          ? `fix the redirect on the web server of ${host}: it must end at an https URL serving the file`
          : `remove the redirect loop, then run "matrix-oob deploy" again`,
      };
    default:
      if (err.code.startsWith('ERR_SSL') || err.code === 'EPROTO') {
        return { detail: `${host}:${port}: TLS handshake failed (${err.code})`, fix: certFix };
      }
      return { detail: `${host}:${port}: ${err.message} (${err.code})`, fix: firewall };
  }
}

function describeTls(err: HttpsGetError, host: string, certFix: string): { detail: string; fix: string } {
  const tls = err.tls;
  const code = tls?.error ?? 'unknown';
  const names = tls?.names.length ? tls.names.join(', ') : 'no DNS names';
  if (code === 'ERR_TLS_CERT_ALTNAME_INVALID') {
    return { detail: `certificate is for ${names}, not ${host}`, fix: certFix };
  }
  if (code === 'CERT_HAS_EXPIRED') {
    return { detail: `certificate expired${tls?.validTo ? ` on ${tls.validTo}` : ''}`, fix: certFix };
  }
  if (code === 'CERT_NOT_YET_VALID') {
    return { detail: 'certificate is not valid yet (check the clock here and on the server)', fix: certFix };
  }
  if (UNTRUSTED.has(code)) {
    const issuer = tls?.issuer ? ` issued by "${tls.issuer}"` : '';
    const traefik = /traefik/i.test(tls?.issuer ?? '')
      ? " (Traefik's placeholder: no real certificate yet)"
      : '';
    return {
      detail: `certificate${issuer} is not trusted (${code})${traefik}`,
      fix: `${certFix}; for a private CA, pass its certificate with --ca-file`,
    };
  }
  return { detail: `certificate refused (${code})`, fix: certFix };
}
