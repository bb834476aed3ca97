// Debian's chromium driven by playwright-core: no browser download is possible on these machines.
import { chromium } from 'playwright-core';
import { existsSync } from 'node:fs';

export const chromiumPath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export async function launchBrowser(extraArgs = []) {
  if (!existsSync(chromiumPath))
    throw new Error(`${chromiumPath} is missing: scripts/ensure-browser.sh installs Debian's chromium`);
  return chromium.launch({ executablePath: chromiumPath, headless: true, args: ['--no-sandbox', ...extraArgs] });
}
