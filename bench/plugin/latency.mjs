// The plugin's delay from the service's completed_at to the cells written in the (in-memory) editor,
// by status polling interval; and the panel screenshot for docs/. Loopback only, bounded runs.
// Usage: node bench/plugin/latency.mjs [runs per interval, default 20] [--screenshot docs/plugin-panel.png]
// Needs the Release build (dotnet build -c Release src/GigaOffice) and Debian's chromium.
import { startService } from '../../tests/browser/lib/service.mjs';
import { launchBrowser } from '../../tests/browser/lib/browser.mjs';
import { startStatic } from '../../tests/browser/lib/static.mjs';
import { openPanel, SALES } from '../../tests/browser/lib/panel.mjs';

const runs = Number(process.argv.find((a) => /^\d+$/.test(a)) ?? 20);
const shotIndex = process.argv.indexOf('--screenshot');
const screenshot = shotIndex > 0 ? process.argv[shotIndex + 1] : null;
const intervals = [250, 100, 50];

const pct = (xs, p) => { const s = [...xs].sort((a, b) => a - b); return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)]; };

const site = await startStatic();
const service = await startService({ AUTH_MODE: 'required', CORS_ALLOWED_ORIGINS: site.origin });
const browser = await launchBrowser();
try {
  const key = await service.createClientKey('bench', { requests_per_minute: 10000 });
  for (const pollIntervalMs of intervals) {
    const p = await openPanel(browser, `${site.origin}/editor.html`, { options: { all: { serviceUrl: service.url, apiKey: key, pollIntervalMs } } });
    const lag = [], total = [];
    for (let i = 0; i < runs + 1; i++) {
      await p.editor((rows) => { window.editor.setValues('A1', rows); window.editor.setValues('F1', Array.from({ length: 3 }, () => Array(7).fill(''))); window.editor.select('A1:D3'); }, SALES);
      const started = Date.now();
      // A different text each run: no answer from the result cache.
      await p.run(`Проанализируй продажи, прогон ${pollIntervalMs}-${i}`, 'spreadsheet-analysis');
      if ((await p.settled()) !== 'done') throw new Error(await p.text('#error'));
      const status = p.panel.locator('#status');
      const completed = Number(await status.getAttribute('data-completed-at'));
      const written = Number(await status.getAttribute('data-written-at'));
      if (i === 0) continue; // warm-up
      lag.push(written - completed);
      total.push(written - started);
    }
    console.log(`poll ${pollIntervalMs} ms: completed_at -> written p50 ${pct(lag, 50)} ms, p95 ${pct(lag, 95)} ms, max ${Math.max(...lag)} ms; `
      + `click -> written p50 ${pct(total, 50)} ms, p95 ${pct(total, 95)} ms (${runs} runs)`);
    if (screenshot && pollIntervalMs === intervals[0]) {
      await p.panel.locator('#query').fill('Проанализируй продажи по товарам и найди тренды');
      await p.panel.locator('#stars button[data-rating="5"]').click();
      await p.page.locator('#plugin').screenshot({ path: screenshot });
      console.log(`screenshot: ${screenshot}`);
    }
    await p.close();
  }
} finally {
  await browser.close();
  await service.stop();
  await site.close();
}
