/* Conversations: the list this browser keeps (the sidebar), opening one from the store (a #c=
 * link or the list), deleting, starting anew. The server keeps the turns; this browser keeps
 * which conversations it started, so a #c= link opens only one of those. */

import { HTTPError, api } from './api.js';
import { t } from './i18n.js';
import { askForKey } from './keys.js';
import { autosize, closeSidebar, el, hideNotice, setBusy, showNotice, state, stop, updateEmpty } from './page.js';
import { HISTORY_STORE, store } from './storage.js';
import { TurnView } from './turn.js';

const HISTORY_MAX = 100;

function loadHistory() {
  try {
    const items = JSON.parse(store.get(HISTORY_STORE) || '[]');
    return Array.isArray(items) ? items.filter((c) => c && typeof c.id === 'string') : [];
  } catch {
    return [];
  }
}

function saveHistory(items) {
  store.set(HISTORY_STORE, JSON.stringify(items.slice(0, HISTORY_MAX)));
}

export function rememberConversation(id, title) {
  const items = loadHistory();
  const old = items.find((c) => c.id === id);
  const entry = { id, title: (old && old.title) || title || t('untitled'), at: Date.now() };
  saveHistory([entry, ...items.filter((c) => c.id !== id)]);
  renderHistory();
}

function forgetConversation(id) {
  saveHistory(loadHistory().filter((c) => c.id !== id));
  renderHistory();
}

export function renderHistory() {
  const items = loadHistory();
  el.history.replaceChildren();
  for (const item of items) {
    const li = document.createElement('li');
    li.className = 'history-entry';
    li.dataset.id = item.id;
    if (item.id === state.conversationId) li.classList.add('current');
    const open = document.createElement('button');
    open.type = 'button';
    open.className = 'history-open';
    open.textContent = item.title || t('untitled');
    open.title = item.title || '';
    if (item.id === state.conversationId) open.setAttribute('aria-current', 'page');
    open.addEventListener('click', () => { closeSidebar(); openConversation(item.id); });
    const del = document.createElement('button');
    del.type = 'button';
    del.className = 'history-delete icon-button';
    del.title = t('delete');
    del.setAttribute('aria-label', t('deleteConversation', { title: item.title || t('untitled') }));
    del.innerHTML = '<svg viewBox="0 0 24 24" aria-hidden="true"><path d="M5 7h14M10 11v6M14 11v6M6 7l1 12a1 1 0 0 0 1 1h8a1 1 0 0 0 1-1l1-12M9 7V4h6v3"/></svg>';
    del.addEventListener('click', () => deleteConversation(item.id));
    li.append(open, del);
    el.history.append(li);
  }
  el.historyEmpty.hidden = items.length > 0;
}

export function setHash(id) {
  const hash = id ? `#c=${encodeURIComponent(id)}` : '';
  if (location.hash !== hash) history.replaceState(null, '', hash || location.pathname + location.search);
}

export function hashConversation() {
  const m = /^#c=([A-Za-z0-9_.:%-]{1,400})$/.exec(location.hash);
  if (!m) return null;
  try { return decodeURIComponent(m[1]); } catch { return null; }
}

// A #c= link opens only a conversation this browser started (listed here): a link someone sent
// could otherwise show their forged turns as ours, and carry what we type next into their thread.
export function openLinked(id) {
  if (loadHistory().some((c) => c.id === id)) return openConversation(id);
  setHash(null);
  showNotice(t('notYours'));
  updateEmpty();
  return null;
}

function clearThread() {
  el.thread.replaceChildren();
  updateEmpty();
}

export function newChat() {
  stop();
  state.loadSeq += 1;
  state.conversationId = null;
  hideNotice();
  clearThread();
  setHash(null);
  renderHistory();
  setBusy(false);
  closeSidebar();
  el.question.value = '';
  autosize();
  el.question.focus();
}

export async function openConversation(id) {
  stop();
  const seq = ++state.loadSeq;
  state.conversationId = id;
  setHash(id);
  hideNotice();
  clearThread();
  renderHistory();
  const loading = document.createElement('p');
  loading.className = 'loading';
  loading.textContent = t('loading');
  el.thread.append(loading);
  updateEmpty();
  try {
    const response = await api('GET', `v1/conversations/${encodeURIComponent(id)}`);
    const data = await response.json();
    if (seq !== state.loadSeq) return;
    loading.remove();
    for (const turn of data.turns || []) TurnView.fromStored(turn);
    const first = (data.turns || [])[0];
    if (first && !loadHistory().some((c) => c.id === id)) rememberConversation(id, first.question);
    setBusy(false);
    updateEmpty();
    const last = el.thread.lastElementChild;
    if (last) last.scrollIntoView({ block: 'start' });
  } catch (err) {
    if (seq !== state.loadSeq) return;
    loading.remove();
    state.conversationId = null;
    setHash(null);
    updateEmpty();
    if (err instanceof HTTPError && err.status === 404) {
      forgetConversation(id);
      showNotice(t('expired'));
    } else if (err instanceof HTTPError && err.status === 401) {
      askForKey(() => openConversation(id));
    } else {
      showNotice(t('loadFailed', { message: err.message }));
    }
    renderHistory();
  }
}

async function deleteConversation(id) {
  try {
    await api('DELETE', `v1/conversations/${encodeURIComponent(id)}`);
  } catch (err) {
    if (err instanceof HTTPError && err.status === 401) {
      askForKey(() => deleteConversation(id));
      return;
    }
    if (!(err instanceof HTTPError && err.status === 404)) { // gone already: forget it all the same
      showNotice(t('deleteFailed', { message: err.message }));
      return;
    }
  }
  forgetConversation(id);
  if (state.conversationId === id) newChat();
}
