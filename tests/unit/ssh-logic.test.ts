import { createHmac, randomBytes } from 'node:crypto';
import { normaliseFingerprint, sha256Fingerprint } from '../../src/ssh/fingerprint.js';
import { parseKeyscan } from '../../src/ssh/keyscan.js';
import { hostPattern, pinKeys, pinnedKeys } from '../../src/ssh/known-hosts.js';
import { classifySsh } from '../../src/ssh/probe.js';

const ED = 'AAAAC3NzaC1lZDI1NTE5AAAAIGNNF0toYg8tOiqMDucIyZW1fmFHrHQllbclq8PlhfzO';
const ED_FP = 'SHA256:mNVRx/T8TaQ+SADYQkQgfCDYprc9uLu4wwOfHgow4k0';
const OTHER = 'AAAAC3NzaC1lZDI1NTE5AAAAIBXxPq9bT7n2YQn6YxQw6w1m0pYd1qfYJ7Jv6c2qv3Qz';

describe('fingerprints', () => {
  it('computes what ssh-keygen -l prints', () => {
    expect(sha256Fingerprint(ED)).toBe(ED_FP);
  });
  it('normalises pasted fingerprints and refuses MD5', () => {
    expect(normaliseFingerprint(` ${ED_FP} `)).toBe(ED_FP);
    expect(normaliseFingerprint(`${ED_FP}=`)).toBe(ED_FP);
    expect(normaliseFingerprint(ED_FP.slice('SHA256:'.length))).toBe(ED_FP);
    expect(normaliseFingerprint('sha256:mNVRx/T8TaQ+SADYQkQgfCDYprc9uLu4wwOfHgow4k0')).toBe(ED_FP);
    expect(normaliseFingerprint('MD5:12:34:56')).toBeUndefined();
    expect(normaliseFingerprint('SHA256:short')).toBeUndefined();
  });
});

describe('known_hosts', () => {
  it('names non-22 ports in brackets', () => {
    expect(hostPattern('203.0.113.10', 22)).toBe('203.0.113.10');
    expect(hostPattern('203.0.113.10', 2222)).toBe('[203.0.113.10]:2222');
    expect(hostPattern('2001:db8::10', 2222)).toBe('[2001:db8::10]:2222');
    expect(hostPattern('Matrix.Example.com', 22)).toBe('matrix.example.com');
  });
  it('pins, replaces and leaves other hosts alone', () => {
    const key = { type: 'ssh-ed25519', key: ED, fingerprint: ED_FP };
    const start = `# mine\nother.example ssh-ed25519 ${OTHER}\n[h]:2222,alias ssh-ed25519 ${OTHER}\n`;
    const { text, replaced } = pinKeys(start, 'h', 2222, [key]);
    expect(text).toBe(
      `# mine\nother.example ssh-ed25519 ${OTHER}\nalias ssh-ed25519 ${OTHER}\n[h]:2222 ssh-ed25519 ${ED}\n`,
    );
    expect(replaced.map((r) => r.key)).toEqual([OTHER]);
    expect(pinnedKeys(text, 'h', 2222).map((k) => k.fingerprint)).toEqual([ED_FP]);
    expect(pinKeys(text, 'h', 2222, [key]).replaced).toEqual([]);
  });
  it('matches hashed host names', () => {
    const salt = randomBytes(20);
    const hash = createHmac('sha1', salt).update('[h]:2222').digest('base64');
    const text = `|1|${salt.toString('base64')}|${hash} ssh-ed25519 ${ED}\n`;
    expect(pinnedKeys(text, 'h', 2222).map((k) => k.fingerprint)).toEqual([ED_FP]);
    expect(pinnedKeys(text, 'h', 22)).toEqual([]);
  });
});

describe('parseKeyscan', () => {
  it('reads key lines, strongest first, ignoring comments and duplicates', () => {
    const out = `# 127.0.0.1:22 SSH-2.0-OpenSSH_9.2\n[h]:2222 ssh-rsa ${OTHER}\n[h]:2222 ssh-ed25519 ${ED}\n[h]:2222 ssh-ed25519 ${ED}\n`;
    expect(parseKeyscan(out).map((k) => k.type)).toEqual(['ssh-ed25519', 'ssh-rsa']);
    expect(parseKeyscan(out)[0]!.fingerprint).toBe(ED_FP);
    expect(parseKeyscan('')).toEqual([]);
  });
});

describe('classifySsh', () => {
  it.each([
    [0, '', 'ok'],
    [
      255,
      'No ED25519 host key is known for [h]:2 and you have requested strict checking.\nHost key verification failed.',
      'unknown-host-key',
    ],
    [
      255,
      '@@@@\n@    WARNING: REMOTE HOST IDENTIFICATION HAS CHANGED!     @\nThe fingerprint for the ED25519 key sent by the remote host is\nSHA256:mNVRx/T8TaQ+SADYQkQgfCDYprc9uLu4wwOfHgow4k0.\nHost key verification failed.',
      'changed-host-key',
    ],
    [255, 'ssh: connect to host 127.0.0.1 port 1: Connection refused', 'refused'],
    [255, 'ssh: connect to host 192.0.2.1 port 22: Connection timed out', 'timeout'],
    [255, 'ssh: Could not resolve hostname x.invalid: Name or service not known', 'unresolvable'],
    [255, 'root@127.0.0.1: Permission denied (publickey).', 'auth-failed'],
    [255, 'kex_exchange_identification: read: Connection reset by peer', 'error'],
  ])('exit %i -> %s', (code, stderr, status) => {
    const r = classifySsh(code, stderr);
    expect(r.status).toBe(status);
    if (status === 'changed-host-key') expect(r.offeredFingerprint).toBe(ED_FP);
  });
});
