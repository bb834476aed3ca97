// Opens the plugin panel inside the in-memory editor and helps tests drive it.
export const PLUGIN_GUID = 'asc.{71C27D33-5AE5-44A7-B223-1D9DAB55A44F}';

/** pageUrl: the editor page (http or file); options: editorConfig.plugins.options as the editor passes them. */
export async function openPanel(browser, pageUrl, { options, theme = 'light', viewport = { width: 1000, height: 760 } } = {}) {
  const context = await browser.newContext({ viewport, locale: 'ru-RU' });
  const page = await context.newPage();
  const problems = [];
  page.on('pageerror', (e) => problems.push(String(e)));
  const url = new URL(pageUrl);
  if (options) url.searchParams.set('options', JSON.stringify(options));
  url.searchParams.set('theme', theme);
  await page.goto(url.href);
  const panel = page.frameLocator('#plugin');
  await panel.locator('body[data-ready="true"]').waitFor({ timeout: 15_000 });
  return {
    page, panel, context, problems,
    editor: (fn, arg) => page.evaluate(fn, arg),
    async run(query, category = '') {
      await panel.locator('#query').fill(query);
      if (category) await panel.locator('#category').selectOption(category);
      await panel.locator('#run').click();
    },
    /** Waits until the status is one of the states (done, error, confirm) and returns it. */
    async settled(states = ['done', 'error', 'confirm'], timeout = 30_000) {
      const selector = states.map((s) => `#status[data-state="${s}"]`).join(', ');
      try {
        await panel.locator(selector).waitFor({ timeout });
      } catch (e) {
        const status = await panel.locator('#status').innerText().catch(() => '?');
        const error = await panel.locator('#error').innerText().catch(() => '?');
        throw new Error(`panel not in ${states} after ${timeout} ms: status "${status}", error "${error}"`, { cause: e });
      }
      return panel.locator('#status').getAttribute('data-state');
    },
    text: (id) => panel.locator(id).innerText(),
    close: () => context.close(),
  };
}

export const SALES = [['Товар', 'Январь', 'Февраль', 'Март'], ['Товар A', 100, 120, 110], ['Товар B', 80, 90, 95]];
