/** tests/fixtures/mdad: the fixture playbook. */
export const FIXTURE_MDAD: string;
/**
 * Copy the fixture playbook to `dir`, as a checkout of MDAD would be; with `roles` (default) its
 * galaxy role is installed with the real ansible-galaxy.
 */
export function makeFixtureCheckout(dir: string, options?: { roles?: boolean }): string;
/** The expected migration version the fixture checkout declares. */
export const FIXTURE_EXPECTED_VERSION: string;
