import { uploadCounts } from '../../src/record/crypto-compat.js';

// The shim's reading of a /keys/upload response (tests/integration/record.test.ts checks the
// shim's effect end to end: the one-time-key stock stays at 50 through a long run).
describe('uploadCounts', () => {
  it('reads the one-time-key counts of a /keys/upload response', () => {
    expect(uploadCounts('{"one_time_key_counts":{"signed_curve25519":50}}')).toEqual(
      new Map([['signed_curve25519', 50]]),
    );
  });

  it('gives nothing for a response without usable counts, so the SDK call passes through as it was', () => {
    for (const body of [
      '{}',
      '{"one_time_key_counts":{}}',
      '{"one_time_key_counts":{"x":"5"}}',
      'not json',
      'null',
    ]) {
      expect(uploadCounts(body)).toBeUndefined();
    }
  });
});
