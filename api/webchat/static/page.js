/* The page the modules share: its elements, the chat's state, and the small things every part
 * of it does to the page (busy or not, a notice, the thread following the answer, the drawer). */

import { t } from './i18n.js';
import { DEEP_STORE, store } from './storage.js';

const $ = (id) => document.getElementById(id);
export const el = {
  body: document.body,
  sidebar: $('sidebar'),
  scrim: $('scrim'),
  openSidebar: $('open-sidebar'),
  closeSidebar: $('close-sidebar'),
  history: $('history'),
  historyEmpty: $('history-empty'),
  newChat: $('new-chat'),
  newChatTop: $('new-chat-top'),
  brandLink: $('brand-link'),
  keyButton: $('key-button'),
  thread: $('thread'),
  notice: $('notice'),
  form: $('ask-form'),
  question: $('question'),
  send: $('send'),
  stop: $('stop'),
  deep: $('deep'),
  keyPanel: $('key-panel'),
  keyForm: $('key-form'),
  keyInput: $('api-key'),
  keyError: $('key-error'),
  keyForget: $('key-forget'),
  keyCancel: $('key-cancel'),
  turnTemplate: $('turn-template'),
};

export const state = {
  conversationId: null, // known after the first answer's `done`
  controller: null, // AbortController of the request in flight
  busy: false,
  deep: store.get(DEEP_STORE) === '1', // the "deep" switch: more search rounds and pages
  onKey: null, // what to retry once a key is saved
  loadSeq: 0,
};

export function setBusy(busy) {
  state.busy = busy;
  el.send.hidden = busy;
  el.stop.hidden = !busy;
  el.body.classList.toggle('busy', busy);
  el.question.placeholder = t(state.conversationId || el.thread.childElementCount ? 'followPlaceholder' : 'askPlaceholder');
}

export function stop() {
  if (state.controller) state.controller.abort();
}

export function updateEmpty() {
  el.body.classList.toggle('is-empty', el.thread.childElementCount === 0);
}

// The thread follows an answer as it is written, until the reader scrolls up from the bottom.
function nearBottom() {
  const doc = document.scrollingElement || document.documentElement;
  return doc.scrollHeight - (doc.scrollTop + window.innerHeight) < 160;
}

let following = true;
export function followScroll() {
  if (following) window.scrollTo({ top: document.body.scrollHeight });
}
export function followFromNow() {
  following = true;
  followScroll();
}
window.addEventListener('scroll', () => { if (state.busy) following = nearBottom(); }, { passive: true });

export function showNotice(text) {
  el.notice.replaceChildren();
  const p = document.createElement('span');
  p.textContent = text;
  const close = document.createElement('button');
  close.type = 'button';
  close.className = 'link-button';
  close.textContent = t('dismiss');
  close.addEventListener('click', hideNotice);
  el.notice.append(p, close);
  el.notice.hidden = false;
}

export function hideNotice() {
  el.notice.hidden = true;
  el.notice.replaceChildren();
}

// The history is a drawer on narrow screens.
export function openSidebar() {
  el.body.classList.add('sidebar-open');
  el.scrim.hidden = false;
  el.openSidebar.setAttribute('aria-expanded', 'true');
}

export function closeSidebar() {
  el.body.classList.remove('sidebar-open');
  el.scrim.hidden = true;
  el.openSidebar.setAttribute('aria-expanded', 'false');
}

export function autosize() {
  el.question.style.height = 'auto';
  el.question.style.height = `${Math.min(el.question.scrollHeight, 220)}px`;
}
