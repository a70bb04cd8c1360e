/* The API key panel: asked for the first time v1 answers 401, the key kept in this browser and
 * sent as `Authorization: Bearer <key>` from then on (api.js). */

import { t } from './i18n.js';
import { el, state } from './page.js';
import { KEY_STORE, store } from './storage.js';

export function openKeyPanel(then, { wrong = false } = {}) {
  state.onKey = then || null;
  el.keyInput.value = store.get(KEY_STORE) || '';
  el.keyError.textContent = t('keyWrong');
  el.keyError.hidden = !wrong;
  el.keyForget.hidden = !store.get(KEY_STORE);
  el.keyPanel.hidden = false;
  el.keyInput.focus();
  el.keyInput.select();
}

export function closeKeyPanel() {
  el.keyPanel.hidden = true;
  state.onKey = null;
  updateKeyButton();
}

export function updateKeyButton() {
  el.keyButton.hidden = !store.get(KEY_STORE);
}

// A request answered 401: the panel, saying the saved key (if any) was not accepted; `then` retries.
export function askForKey(then) {
  openKeyPanel(then, { wrong: Boolean(store.get(KEY_STORE)) });
}

export function connectKeyPanel() {
  el.keyForm.addEventListener('submit', (event) => {
    event.preventDefault();
    const key = el.keyInput.value.trim();
    if (!key) return;
    store.set(KEY_STORE, key);
    const then = state.onKey;
    closeKeyPanel();
    if (then) then();
  });
  el.keyCancel.addEventListener('click', closeKeyPanel);
  el.keyForget.addEventListener('click', () => {
    store.set(KEY_STORE, null);
    el.keyInput.value = '';
    el.keyForget.hidden = true;
    updateKeyButton();
    el.keyInput.focus();
  });
  el.keyButton.addEventListener('click', () => openKeyPanel(null));
}
