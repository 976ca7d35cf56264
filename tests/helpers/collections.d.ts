/**
 * Ansible collection paths for the doctor's collection checks, built offline with the real
 * ansible-galaxy: `good` (community.docker at `docker`, default 3.6.0, and community.general),
 * `old` (community.docker 3.4.7), `noGeneral` (community.docker only), `empty`.
 */
export function makeCollectionPaths(
  dir: string,
  docker?: string,
): { good: string; old: string; noGeneral: string; empty: string };
