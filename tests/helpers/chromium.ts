import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { execa } from 'execa';

/** Debian's chromium (scripts/install-system-deps.sh installs it). */
export const CHROMIUM = '/usr/bin/chromium';

/**
 * Open a local file in headless Chromium with a fresh profile and the flags this machine needs
 * (no background networking: the network is closed), and return the DOM after load (scripts,
 * if any could run, have run by then) and, if asked, a screenshot.
 */
export async function openInChromium(file: string, screenshot?: string): Promise<string> {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: run scripts/install-system-deps.sh`);
  const profile = mkdtempSync(join(tmpdir(), 'matrix-oob-chromium-'));
  const flags = [
    '--headless',
    '--no-sandbox',
    '--disable-gpu',
    '--disable-quic',
    '--no-first-run',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
    `--user-data-dir=${profile}`,
    '--virtual-time-budget=2000',
  ];
  try {
    if (screenshot) {
      await execa(
        CHROMIUM,
        [...flags, `--screenshot=${screenshot}`, '--window-size=1200,1600', pathToFileURL(file).href],
        {
          timeout: 60_000,
        },
      );
    }
    const r = await execa(CHROMIUM, [...flags, '--dump-dom', pathToFileURL(file).href], { timeout: 60_000 });
    return r.stdout;
  } finally {
    rmSync(profile, { recursive: true, force: true });
  }
}
