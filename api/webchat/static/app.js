/* megrez-websearch web chat: plain JavaScript as ES modules, no build step. This one wires the
 * page's controls to the parts and starts it; each part is its own module:
 *
 *   i18n.js            the interface text, English and Chinese
 *   storage.js         what this browser keeps (the key, the conversation list, the deep switch)
 *   api.js             HTTP: the bearer key, JSON errors, the Server-Sent Events reader
 *   markdown.js        model text -> marked -> DOMPurify -> citation chips
 *   page.js            the page's elements and state, notices, scrolling, the drawer
 *   keys.js            the API key panel
 *   turn.js            one question and its answer in the thread (steps, sources, answer, errors)
 *   provider-notice.js which search provider answered, when a fallback did
 *   ask.js             asking v1/answer and applying its events to a turn
 *   conversations.js   the list, opening, deleting, starting anew
 *   claims.js          the checked claims of a rendered answer (its own module, on `answer-rendered`)
 *
 * Model text is rendered from Markdown by the vendored `marked` and cleaned by `DOMPurify` before
 * it touches the page; everything else is set with textContent.
 */

import { ask, run } from './ask.js';
import { hashConversation, newChat, openLinked, renderHistory } from './conversations.js';
import { LANG, t, translate } from './i18n.js';
import { closeKeyPanel, connectKeyPanel, updateKeyButton } from './keys.js';
import { autosize, closeSidebar, el, openSidebar, setBusy, state, stop, updateEmpty } from './page.js';
import { DEEP_STORE, store } from './storage.js';
import { connectTurns } from './turn.js';

// ----------------------------------------------------------------------------------------------
// Controls
// ----------------------------------------------------------------------------------------------
connectTurns({ ask, run });
connectKeyPanel();
el.openSidebar.addEventListener('click', openSidebar);
el.closeSidebar.addEventListener('click', closeSidebar);
el.scrim.addEventListener('click', closeSidebar);
el.newChat.addEventListener('click', newChat);
el.newChatTop.addEventListener('click', newChat);
el.brandLink.addEventListener('click', (event) => { event.preventDefault(); newChat(); });
el.stop.addEventListener('click', stop);
function showDeep() {
  el.deep.setAttribute('aria-pressed', String(state.deep));
}
el.deep.addEventListener('click', () => {
  state.deep = !state.deep;
  store.set(DEEP_STORE, state.deep ? '1' : null);
  showDeep();
});
showDeep();
el.question.addEventListener('input', autosize);
el.question.addEventListener('keydown', (event) => {
  // Enter sends, Shift+Enter is a new line; never while an input method is composing (Chinese).
  if (event.key === 'Enter' && !event.shiftKey && !event.isComposing && event.keyCode !== 229) {
    event.preventDefault();
    el.form.requestSubmit();
  }
});
el.form.addEventListener('submit', (event) => {
  event.preventDefault();
  const question = el.question.value.trim();
  if (!question || state.busy) return;
  el.question.value = '';
  autosize();
  ask(question);
});
document.addEventListener('keydown', (event) => {
  if (event.key !== 'Escape') return;
  if (!el.keyPanel.hidden) closeKeyPanel();
  else if (el.body.classList.contains('sidebar-open')) closeSidebar();
  else if (state.busy) stop();
});
window.addEventListener('hashchange', () => {
  const id = hashConversation();
  if (id && id !== state.conversationId) openLinked(id);
});

// ----------------------------------------------------------------------------------------------
// Start
// ----------------------------------------------------------------------------------------------
document.documentElement.lang = LANG === 'zh' ? 'zh-CN' : 'en';
document.title = t('brand');
translate(document);
translate(el.turnTemplate.content);
updateKeyButton();
renderHistory();
setBusy(false);
const initial = hashConversation();
if (initial) openLinked(initial);
else updateEmpty();
el.body.classList.add('ready');
if (!initial) el.question.focus();
