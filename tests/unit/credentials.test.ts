import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  credentialsFor,
  formatCredentials,
  parseCredentials as parseUserAddCredentials,
} from '../../src/case/credentials.js';
import { parseCredentials, readPassword } from '../../src/control-room/credentials.js';
import { controlRoomRequest } from '../../src/control-room/ensure.js';

describe('parseCredentials', () => {
  it('reads key: value lines leniently (case, spacing, = separator, comments)', () => {
    const text =
      '# handed out of band\nuser_id: @alice:example.com\r\nPassword :   p@ss: word#1  \nHomeserver=https://matrix.example.com\n';
    expect(parseCredentials(text)).toEqual({
      user_id: '@alice:example.com',
      password: 'p@ss: word#1',
      homeserver: 'https://matrix.example.com',
    });
  });
  it('keeps the first value of a repeated key', () => {
    expect(parseCredentials('password: one\npassword: two\n').password).toBe('one');
  });
});

describe('readPassword', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'matrix-oob-cred-'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('takes a bare password from the first line of --password-file', async () => {
    await writeFile(join(dir, 'bare'), 'just-the-password\nignored\n');
    expect(await readPassword({ credentialsDir: dir }, 'alice', join(dir, 'bare'))).toBe('just-the-password');
  });
  it('takes the password: line of a credentials-format --password-file', async () => {
    await writeFile(join(dir, 'full'), 'user_id: @alice:x.org\npassword: s3cret\n');
    expect(await readPassword({ credentialsDir: dir }, 'alice', join(dir, 'full'))).toBe('s3cret');
  });
  it('rejects a credentials file without a password line, naming the file and the fix', async () => {
    await writeFile(join(dir, 'bob.txt'), 'user_id: @bob:x.org\n');
    await expect(readPassword({ credentialsDir: dir }, 'bob')).rejects.toMatchObject({
      message: `${join(dir, 'bob.txt')} has no "password:" line`,
      exitCode: 2,
    });
  });
});

describe('controlRoomRequest', () => {
  it('asks for a private, invite-only room encrypted from the start', () => {
    const body = controlRoomRequest({ domain: 'example.com', users: [{ name: 'a', admin: true }] }, 'a');
    expect(body).toMatchObject({ preset: 'private_chat', visibility: 'private', room_alias_name: 'control' });
    expect(body.initial_state).toContainEqual({
      type: 'm.room.encryption',
      state_key: '',
      content: { algorithm: 'm.megolm.v1.aes-sha2' },
    });
  });
});

describe('the credentials file user add writes, read back', () => {
  it('keeps every fallback_account line, and the password byte for byte', () => {
    const config = {
      domain: 'example.com',
      element: true,
      fallback: [{ domain: 'backup-one.org' }, { domain: 'backup-two.net' }],
    } as Parameters<typeof credentialsFor>[0];
    const written = credentialsFor(config, 'alice', 'p a s s: word 123', false);
    const back = parseUserAddCredentials(formatCredentials(written));
    expect(back.password).toBe('p a s s: word 123');
    expect(back.fallback_accounts).toEqual([
      '@alice:backup-one.org https://matrix.backup-one.org',
      '@alice:backup-two.net https://matrix.backup-two.net',
    ]);
  });
});
