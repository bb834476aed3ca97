// Russian messages for every failure the panel can meet: each says what happened and what to do. Pure.

/** 45 -> "45 с", 180 -> "3 мин", 3700 -> "1 ч 2 мин". */
export function formatWait(seconds) {
  const s = Math.max(1, Math.ceil(Number(seconds) || 0));
  if (s < 60) return `${s} с`;
  if (s < 3600) return `${Math.ceil(s / 60)} мин`;
  const h = Math.floor(s / 3600), m = Math.ceil((s % 3600) / 60);
  return m ? `${h} ч ${m} мин` : `${h} ч`;
}

/** Seconds from a Retry-After header (delta seconds or an HTTP date); null when absent or unreadable. */
export function parseRetryAfter(value, now = Date.now()) {
  if (value == null || value === '') return null;
  const text = String(value).trim();
  if (/^\d+$/.test(text)) return Number(text);
  const date = Date.parse(text);
  return Number.isNaN(date) ? null : Math.max(0, Math.ceil((date - now) / 1000));
}

/** "query_text: Слишком длинно; data.rows[2].values[1]: ..." from a problem's errors. */
function fieldErrors(problem) {
  const errors = problem?.errors;
  if (!errors || typeof errors !== 'object') return '';
  return Object.entries(errors).map(([field, list]) => `${field}: ${[].concat(list).join(' ')}`).join('; ');
}

// Codes of failed requests (error.code): what the user can do about each.
const FAILURE_HINTS = {
  upstream_unavailable: 'GigaChat сейчас недоступен. Повторите запрос через минуту.',
  rate_limited: 'GigaChat ограничил частоту запросов. Повторите чуть позже.',
  payment_required: 'Закончилась квота GigaChat. Сообщите администратору сервиса.',
  too_large: 'Выделите меньший диапазон или упростите запрос.',
  truncated: 'Ответ не поместился целиком. Выделите меньший диапазон.',
  content_refused: 'GigaChat отказался отвечать на этот запрос. Переформулируйте его.',
  unparseable_answer: 'Модель ответила в неожиданном виде. Повторите запрос или переформулируйте его.',
};

/**
 * The message for a failure:
 * {kind: 'network', url} | {kind: 'timeout', seconds} | {kind: 'cancelled'} |
 * {kind: 'http', status, retryAfter, problem} | {kind: 'failed', code, message} | {kind: 'config', message}
 */
export function errorMessage(failure) {
  switch (failure?.kind) {
    case 'config':
      return failure.message;
    case 'network':
      return `Нет связи с сервисом ${failure.url ?? ''}. Проверьте адрес сервиса в настройках и сеть. `
        + 'Если адрес верный, администратор должен добавить адрес сервера документов в CORS_ALLOWED_ORIGINS '
        + '(для настольных редакторов — включить CORS_ALLOW_NULL_ORIGIN).';
    case 'timeout':
      return `Сервис не ответил за ${formatWait(failure.seconds)}. Запрос мог остаться в очереди: повторите позже или выделите меньший диапазон.`;
    case 'cancelled':
      return 'Запрос отменён. Записано ничего не было.';
    case 'failed': {
      const hint = FAILURE_HINTS[failure.code] ?? 'Повторите запрос; если ошибка повторяется, сообщите администратору.';
      return `${failure.message || 'Запрос не выполнен.'} ${hint}`.trim();
    }
    case 'http':
      return httpMessage(failure);
    default:
      return 'Что-то пошло не так. Повторите запрос; если ошибка повторяется, сообщите администратору.';
  }
}

function httpMessage({ status, retryAfter, problem }) {
  const detail = problem?.detail || problem?.title || '';
  const wait = retryAfter != null ? formatWait(retryAfter) : null;
  switch (status) {
    case 400: case 422: {
      const fields = fieldErrors(problem);
      return `Запрос не прошёл проверку${fields ? `: ${fields}` : detail ? `: ${detail}` : ''}. Исправьте запрос или выделение и повторите.`;
    }
    case 401:
      return `Сервис не принял API-ключ${detail ? ` («${detail}»)` : ''}. Введите действующий ключ в настройках плагина — его выдаёт администратор сервиса.`;
    case 403:
      return 'Доступ запрещён: этому ключу нельзя выполнять такие запросы. Обратитесь к администратору сервиса.';
    case 404:
      return 'Сервис не нашёл запрос или адрес. Проверьте адрес сервиса в настройках; если он верный, выполните запрос заново (старые запросы удаляются по сроку хранения).';
    case 409:
      return `Ответ ещё не готов${wait ? `: повторите через ${wait}` : ''}.`;
    case 413:
      return 'Выделено слишком много данных: сервис принимает до 2 МиБ. Выделите меньший диапазон и повторите.';
    case 415:
      return 'Сервис не принял формат запроса. Обновите плагин.';
    case 429:
      return `Превышен лимит запросов для вашего ключа. Повторите через ${wait ?? 'минуту'}${detail ? ` (${detail})` : ''}.`;
    case 502: case 503: case 504:
      return `Сервис временно недоступен${detail ? ` («${detail}»)` : ''}. Повторите через ${wait ?? 'несколько секунд'}.`;
    default:
      return status >= 500
        ? `Ошибка на стороне сервиса (код ${status}). Повторите позже; если ошибка повторяется, сообщите администратору.`
        : `Сервис ответил кодом ${status}${detail ? `: ${detail}` : ''}. Проверьте настройки и повторите.`;
  }
}
