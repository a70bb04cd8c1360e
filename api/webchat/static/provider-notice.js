/* Which search provider answered: a short notice when a fallback did (the `search_provider`
 * event, or `search_fallback` in a plain JSON answer), e.g. "DuckDuckGo is rate-limiting;
 * searched with Brave". Self-contained: its own words, its own element under the turn's steps.
 */

import { LANG } from './i18n.js';

const PROVIDER_NAMES = {
  brave: 'Brave', tavily: 'Tavily', serper: 'Serper', exa: 'Exa', google: 'Google',
  searxng: 'SearXNG', duckduckgo: 'DuckDuckGo', local: { en: 'the local index', zh: '本地索引' },
};
const PROVIDER_WORDS = {
  en: { rate_limited: '{name} is rate-limiting', failed: '{name} is unavailable', sep: ', ', with: '; searched with {name}' },
  zh: { rate_limited: '{name} 正在限流', failed: '{name} 暂时不可用', sep: '，', with: '；已改用 {name} 搜索' },
};

function providerName(id) {
  const known = PROVIDER_NAMES[id];
  if (known && typeof known === 'object') return known[LANG] || known.en;
  return known || String(id || '');
}

export function showProviderNotice(view, provider, passedOver) {
  if (!provider || !Array.isArray(passedOver) || !passedOver.length) return;
  const words = PROVIDER_WORDS[LANG] || PROVIDER_WORDS.en;
  const fill = (text, id) => text.replace('{name}', providerName(id));
  const parts = passedOver
    .filter((p) => p && p.provider && p.provider !== provider)
    .map((p) => fill(p.reason === 'rate_limited' ? words.rate_limited : words.failed, p.provider));
  if (!parts.length) return;
  let note = view.root.querySelector('.provider-notice');
  if (!note) {
    note = document.createElement('p');
    note.className = 'provider-notice';
    note.setAttribute('role', 'status');
    view.q('.steps').after(note);
  }
  note.textContent = parts.join(words.sep) + fill(words.with, provider);
}
