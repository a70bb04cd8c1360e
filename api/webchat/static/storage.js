/* What the web chat keeps in this browser: the API key, the conversations it started, the deep
 * switch. A browser that refuses localStorage still works, it just forgets. */

export const KEY_STORE = 'megrez-websearch.api-key';
export const HISTORY_STORE = 'megrez-websearch.conversations';
export const DEEP_STORE = 'megrez-websearch.deep';

export const store = {
  get(name) {
    try { return localStorage.getItem(name); } catch { return null; }
  },
  set(name, value) {
    try { value == null ? localStorage.removeItem(name) : localStorage.setItem(name, value); } catch { /* ignore */ }
  },
};
