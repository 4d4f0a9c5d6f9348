import fs from 'node:fs';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';

/** Debian's chromium, which playwright-core drives (it downloads no browser of its own). */
export const CHROMIUM = '/usr/bin/chromium';

/** A headless Chromium; fails with what to install when there is none (never a silent skip). */
export async function launchChromium(): Promise<Browser> {
  if (!fs.existsSync(CHROMIUM)) throw new Error(`no ${CHROMIUM}: the web UI tests drive a real browser; install Debian's chromium (apt-get install chromium)`);
  // Root may not use Chromium's sandbox.
  return chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
}

/** The text of every cell of a table's body rows (`#id tbody tr`), trimmed. */
export function tableRows(page: Page, id: string): Promise<string[][]> {
  return page.$$eval(`#${id} tbody tr`, (trs) => trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => (td.textContent ?? '').replace(/\s+/g, ' ').trim())));
}

/** Stop a page's own auto-refresh (the UI reloads running pages) so a test reads one state. */
export async function holdRefresh(page: Page): Promise<void> {
  await page.evaluate(() => void (document.body.dataset.refresh = '0'));
}

/** A full-page PNG under `dir` (created). */
export async function screenshot(page: Page, dir: string, name: string): Promise<string> {
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  return file;
}
