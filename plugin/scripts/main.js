// The panel: settings, categories and presets, "Выполнить" (read -> send -> follow -> confirm -> write),
// feedback. Editor access goes through editor.js; the service through api.js.
import { ServiceClient, ServiceFailure } from './api.js';
import { buildRequest, buildWritePlan, overwrites, writesSomething } from './plan.js';
import { errorMessage } from './messages.js';
import { resolveSettings, validateForm, STORAGE_KEY } from './settings.js';
import { readSelection, readTarget, applyPlan } from './sheet.js';
import { callCommand, pluginInfo } from './editor.js';
import { $, show, setError, setStatus, showAnswer, showDraft, askOverwrite, applyTheme, plural } from './ui.js';
import { draftText } from './draft.js';

const state = { settings: { url: null, key: '', managed: false }, tuning: {}, running: null, lastRequestId: null, rating: 0 };

function storedSettings() {
  try { return JSON.parse(localStorage.getItem(STORAGE_KEY) ?? 'null'); } catch { return null; }
}

function client(settings = state.settings) {
  return new ServiceClient({ url: settings.url, key: settings.key, pollMs: state.tuning.pollIntervalMs ?? 250 });
}

const failureText = (e) => errorMessage(e instanceof ServiceFailure ? e.failure : null);

function loadSettings() {
  const { options, guid } = pluginInfo();
  state.settings = resolveSettings({ options, guid, stored: storedSettings() });
  const own = (guid && options?.[guid]) || options?.all || options || {};
  state.tuning = {
    pollIntervalMs: Number(own.pollIntervalMs) > 0 ? Number(own.pollIntervalMs) : undefined,
    timeoutSeconds: Number(own.timeoutSeconds) > 0 ? Number(own.timeoutSeconds) : 180,
  };
  $('service-url').value = state.settings.url ?? '';
  $('api-key').value = state.settings.key;
  $('service-url').readOnly = state.settings.managed;
  show('settings-managed', state.settings.managed);
  // Ask for the URL and key first when nothing is set (the .plugin archive ships without them).
  $('settings').open = !state.settings.url;
}

async function loadCatalog() {
  if (!state.settings.url) return;
  const select = $('category');
  try {
    const [categories, presets] = await Promise.all([client().categories(), client().presets()]);
    select.replaceChildren(new Option('Автоматически', ''), ...categories.map((c) => new Option(c.display_name || c.name, c.name)));
    $('presets').replaceChildren(...presets.slice(0, 12).map((p) => {
      const b = Object.assign(document.createElement('button'), { type: 'button', textContent: p.title, title: p.prompt_text });
      b.dataset.preset = p.name;
      b.onclick = () => { $('query').value = p.prompt_text; select.value = p.category; run(); };
      return b;
    }));
  } catch (e) {
    setError(failureText(e));
  }
}

async function run() {
  if (state.running) return;
  setError(null);
  show('answer', false);
  const query = $('query').value.trim();
  if (!query) { setError('Напишите, что сделать с выделенными ячейками.'); return; }
  if (!state.settings.url) { setError('Укажите адрес сервиса и API-ключ в настройках подключения.'); $('settings').open = true; return; }

  const controller = new AbortController();
  const startedAt = Date.now();
  let phase = 'reading';
  const ticker = setInterval(() => setStatus(phase, { startedAt }), 100);
  state.running = controller;
  $('run').disabled = true;
  show('cancel');
  const status = $('status');
  delete status.dataset.completedAt;
  delete status.dataset.writtenAt;
  try {
    setStatus(phase, { startedAt });
    const selection = await callCommand(readSelection, { maxFillCells: 400 });
    phase = 'submitting';
    const service = client();
    const accepted = await service.submit(buildRequest({ query, category: $('category').value, selection }), controller.signal);
    state.lastRequestId = accepted.request_id;
    status.dataset.requestId = accepted.request_id;
    phase = accepted.status ?? 'queued';
    const final = await service.waitFinished(accepted.request_id, {
      signal: controller.signal,
      totalTimeoutMs: state.tuning.timeoutSeconds * 1000,
      onProgress: (s) => {
        if (s.status === 'queued' || s.status === 'processing') phase = s.status;
        if (typeof s.text === 'string') showDraft(draftText(s.text));
      },
    });
    showDraft('');
    const completedAt = final.completed_at ? Date.parse(final.completed_at) : null;
    if (completedAt) status.dataset.completedAt = String(completedAt);
    const result = await service.result(accepted.request_id, controller.signal);
    if (result.status === 'failed' || !result.result) {
      throw new ServiceFailure({ kind: 'failed', code: result.error?.code, message: result.error?.message });
    }
    clearInterval(ticker);
    const plan = buildWritePlan(result.result, { sheet: selection.sheet });
    showAnswer(plan.text, plan.repairs);
    await write(plan, startedAt);
  } catch (e) {
    clearInterval(ticker);
    const text = failureText(e);
    setStatus('error', { text: 'Не выполнено.' });
    setError(text);
    if (!(e instanceof ServiceFailure)) console.error(e);
  } finally {
    clearInterval(ticker);
    showDraft('');
    state.running = null;
    $('run').disabled = false;
    show('cancel', false);
  }
}

/** Writes the plan, asking first when the target holds data. */
async function write(plan, startedAt) {
  if (!writesSomething(plan)) {
    setStatus('done', { text: 'Готово: ответ — в тексте ниже, таблица не менялась.' });
    return;
  }
  if (plan.target) {
    const current = await callCommand(readTarget, { target: plan.target });
    const { cells, total } = overwrites(plan, current);
    if (total > 0) {
      setStatus('confirm', { text: 'Ждёт подтверждения: ячейки заняты.' });
      if (!(await askOverwrite(plan.target, cells, total))) {
        setStatus('done', { text: 'Вставка отменена: таблица не менялась.' });
        return;
      }
    }
  }
  setStatus('writing', { startedAt });
  const written = await callCommand(applyPlan, { plan });
  $('status').dataset.writtenAt = String(Date.now());
  const parts = [];
  if (written.cells) parts.push(`${written.cells} ${plural(written.cells, 'ячейка', 'ячейки', 'ячеек')} в ${plan.target}`);
  if (written.styles || written.formats) parts.push('оформление');
  if (written.chart) parts.push('диаграмма');
  setStatus('done', { text: `Готово: ${parts.join(', ') || 'изменений нет'}. Время: ${((Date.now() - startedAt) / 1000).toLocaleString('ru-RU', { maximumFractionDigits: 1 })} с.` });
}

async function sendFeedback() {
  const out = $('feedback-status');
  if (!state.lastRequestId) return;
  if (!state.rating) { out.textContent = 'Выберите оценку от 1 до 5.'; return; }
  try {
    await client().feedback(state.lastRequestId, state.rating, $('feedback-comment').value.trim());
    out.textContent = 'Спасибо, оценка сохранена.';
  } catch (e) {
    out.textContent = failureText(e);
  }
}

function saveSettings() {
  const { settings, error } = validateForm({ url: $('service-url').value, key: $('api-key').value });
  if (error) { $('settings-status').textContent = error; return; }
  localStorage.setItem(STORAGE_KEY, JSON.stringify(settings));
  if (!state.settings.managed) state.settings = { ...settings, managed: false };
  else state.settings = { ...state.settings, key: settings.key || state.settings.key };
  $('settings-status').textContent = 'Сохранено.';
  loadCatalog();
}

async function checkConnection() {
  const { settings, error } = validateForm({ url: $('service-url').value, key: $('api-key').value });
  const out = $('settings-status');
  if (error) { out.textContent = error; return; }
  out.textContent = 'Проверка…';
  try {
    const r = await client(settings).check();
    out.textContent = `Подключение работает: сервис ${r.health === 'healthy' ? 'в порядке' : `в состоянии «${r.health}»`}, ключ принят, категорий: ${r.categories}.`;
  } catch (e) {
    out.textContent = failureText(e);
  }
}

function start() {
  applyTheme(pluginInfo().theme);
  loadSettings();
  $('run').onclick = run;
  $('cancel').onclick = () => state.running?.abort();
  $('save-settings').onclick = saveSettings;
  $('check-connection').onclick = checkConnection;
  $('feedback-send').onclick = sendFeedback;
  document.querySelectorAll('#stars button').forEach((b) => {
    b.onclick = () => {
      state.rating = Number(b.dataset.rating);
      document.querySelectorAll('#stars button').forEach((x) => x.classList.toggle('on', Number(x.dataset.rating) <= state.rating));
    };
  });
  loadCatalog();
  document.body.dataset.ready = 'true';
}

const plugin = window.Asc?.plugin;
if (plugin) {
  plugin.init = start;
  plugin.button = () => plugin.executeCommand?.('close', '');
  plugin.onThemeChanged = (theme) => { applyTheme(theme); window.Asc.plugin.onThemeChangedBase?.(theme); };
  // The SDK may have delivered init before this module ran.
  if (plugin.info?.editorType && !document.body.dataset.ready) start();
}
