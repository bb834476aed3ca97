// Console start: is there a session? Then show the section named in the address (#dashboard, #keys...).
import { api, setCsrfToken, whenSignedOut } from './api.js';
import { message } from './dom.js';
import { showDashboard } from './dashboard.js';
import { showKeys } from './keys.js';
import { showPrompts } from './prompts.js';
import { showRequests } from './requests.js';
import { showFeedback } from './feedback.js';

const sections = { dashboard: showDashboard, keys: showKeys, prompts: showPrompts, requests: showRequests, feedback: showFeedback };

const signInMessages = {
  wrong: 'Неверный ключ администратора. Проверьте ключ и попробуйте снова.',
  throttled: 'Слишком много неудачных попыток входа. Подождите и попробуйте позже.',
  empty: 'Введите ключ администратора.',
  disabled: 'Административный API выключен: задайте GIGAOFFICE_ADMIN_KEY.',
  expired: 'Сессия закончилась. Войдите снова.',
};

const view = document.getElementById('view');
const nav = document.getElementById('nav');

function showSignIn(reason) {
  nav.hidden = true;
  view.replaceChildren();
  document.getElementById('sign-in-view').hidden = false;
  const error = document.getElementById('sign-in-error');
  error.textContent = signInMessages[reason] ?? '';
  error.hidden = !signInMessages[reason];
  document.getElementById('admin-key').focus();
}

async function route() {
  const name = location.hash.slice(1).split('/')[0] || 'dashboard';
  const show = sections[name] ?? showDashboard;
  for (const a of nav.querySelectorAll('a')) {
    if (a.getAttribute('href') === `#${name}`) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
  }
  view.replaceChildren();
  try {
    await show(view, location.hash.slice(1).split('/').slice(1).join('/'));
  } catch (e) {
    view.append(message(e.message));
  }
}

async function start() {
  const reason = new URLSearchParams(location.search).get('signin');
  if (reason) history.replaceState(null, '', location.pathname + location.hash);
  let session;
  try {
    session = await api('GET', '/admin/api/session');
  } catch {
    showSignIn(reason);
    return;
  }
  setCsrfToken(session.csrf_token);
  document.getElementById('sign-in-view').hidden = true;
  nav.hidden = false;
  window.addEventListener('hashchange', route);
  await route();
}

document.getElementById('sign-out').addEventListener('click', async () => {
  try { await api('DELETE', '/admin/api/session'); } finally { location.replace('/admin/'); }
});
whenSignedOut(() => showSignIn('expired'));
start();
