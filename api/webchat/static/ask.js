/* Asking: POST v1/answer with "stream": true, its events applied to the question's turn as they
 * come (status -> steps, queries, search_provider -> a notice, sources -> cards, delta -> the
 * answer as it is written, related -> follow-up chips, done -> the final answer, error -> shown in
 * place), a 401 answered by asking for a key, a stop by the Stop button. */

import { HTTPError, api, readEvents } from './api.js';
import { rememberConversation, setHash } from './conversations.js';
import { t } from './i18n.js';
import { askForKey } from './keys.js';
import { el, followFromNow, followScroll, hideNotice, setBusy, state, updateEmpty } from './page.js';
import { showProviderNotice } from './provider-notice.js';
import { TurnView } from './turn.js';

export function ask(question, { search } = {}) {
  question = (question || '').trim();
  if (!question || state.busy) return;
  hideNotice();
  for (const old of el.thread.querySelectorAll('.related')) old.hidden = true;
  const view = new TurnView(question);
  if (search) view.search = search;
  updateEmpty();
  followFromNow();
  run(view);
}

export async function run(view) {
  const controller = new AbortController();
  state.controller = controller;
  setBusy(true);
  view.root.querySelector('.provider-notice')?.remove(); // a retry starts without the last notice
  view.step('deciding', t('stepDeciding'));
  const body = { question: view.question, stream: true };
  if (view.search) body.search = view.search;
  if (state.deep) body.depth = 'deep';
  if (state.conversationId) body.conversation_id = state.conversationId;
  const conversationAtStart = state.conversationId;
  let finished = false;
  try {
    const response = await api('POST', 'v1/answer', { body, signal: controller.signal, accept: 'text/event-stream' });
    const type = response.headers.get('content-type') || '';
    if (!type.startsWith('text/event-stream')) {
      const data = await response.json(); // a server that answered with plain JSON
      view.onDone(data);
      showProviderNotice(view, data.search_provider, data.search_fallback);
      finished = true;
    } else {
      for await (const { event, data } of readEvents(response.body)) {
        let payload;
        try { payload = JSON.parse(data); } catch { continue; }
        if (event === 'status') view.onStatus(payload);
        else if (event === 'queries') view.onQueries(payload);
        else if (event === 'search_provider') showProviderNotice(view, payload.provider, payload.passed_over);
        else if (event === 'sources') view.addSources(payload.sources, payload.round);
        else if (event === 'delta') view.onDelta(payload);
        else if (event === 'related') view.setRelated(payload.related || []);
        else if (event === 'done') {
          view.onDone(payload);
          finished = true;
          if (payload.conversation_id && state.conversationId === conversationAtStart) {
            state.conversationId = payload.conversation_id;
            const first = el.thread.querySelector('.turn .question');
            rememberConversation(payload.conversation_id, first ? first.textContent : view.question);
            setHash(payload.conversation_id);
          }
        } else if (event === 'error') {
          view.showError(new HTTPError(payload.status || 500, payload.code, payload.message, payload.kind, payload.part));
          finished = true;
        }
      }
      if (!finished) view.showError(new HTTPError(500, 'stream_cut', ''));
    }
  } catch (err) {
    if (err && err.name === 'AbortError') view.showStopped();
    else if (err instanceof HTTPError) {
      view.showError(err);
      if (err.status === 401) askForKey(() => view.retry());
    } else {
      view.showError(new HTTPError(0, 'network', String(err && err.message || err)));
    }
  } finally {
    if (state.controller === controller) state.controller = null;
    setBusy(false);
    followScroll();
  }
}
