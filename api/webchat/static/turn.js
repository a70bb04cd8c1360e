/* One question and its answer, as shown in the thread: its steps, source cards, the answer as it
 * is written, related questions, and an error or a stop in place.
 *
 * A turn asks again (related chips, "search?", retry) through the actions app.js connects
 * (`connectTurns`): asking lives in ask.js, which makes turns, so this module cannot import it.
 */

import { t } from './i18n.js';
import { openKeyPanel } from './keys.js';
import { domainOf, renderMarkdown, safeURL } from './markdown.js';
import { el, followScroll, state } from './page.js';

const asking = { ask: () => {}, run: () => {} }; // ask(question, {search}), run(view): set by app.js

export function connectTurns({ ask, run }) {
  asking.ask = ask;
  asking.run = run;
}

// The part of the service that failed, as the server names it (the kind says how it failed).
const FAILED_PART = { model: 'errorModel', search: 'errorSearch', store: 'errorStore' };

function explain(err) {
  const status = err.status || 0;
  const code = err.code || '';
  if (status === 0) return t('errorNetwork');
  if (code === 'stream_cut') return t('errorCutOff');
  if (err.kind === 'timeout' || status === 504) return t('error504');
  if (status >= 500 && Object.hasOwn(FAILED_PART, err.part)) return t(FAILED_PART[err.part]);
  if (status === 429 || status === 422 || status === 503) return t(`error${status}`);
  return status >= 500 ? t('error500') : t('error422');
}

const STAGES = ['deciding', 'searching', 'reading', 'condensing', 'answering'];
const stepKey = (stage, round = 1) => (round > 1 ? `${stage}:${round}` : stage);
const stepOrder = (key) => {
  const [stage, round = '1'] = key.split(':');
  return Number(round) * STAGES.length + STAGES.indexOf(stage);
};

export class TurnView {
  constructor(question) {
    this.question = question;
    this.sources = [];
    this.text = '';
    this.queries = [];
    this.steps = new Map();
    this.renderQueued = false;
    this.root = el.turnTemplate.content.firstElementChild.cloneNode(true);
    this.q = (sel) => this.root.querySelector(sel);
    this.q('.question').textContent = question;
    this.q('.copy').addEventListener('click', () => this.copy());
    el.thread.append(this.root);
  }

  // -- steps --
  // One step per stage and search round: a later round's steps follow the earlier ones (the list grows).
  step(stage, text, { done = false, round = 1 } = {}) {
    const key = stepKey(stage, round);
    let li = this.steps.get(key);
    if (!li) {
      li = document.createElement('li');
      li.className = 'step';
      li.dataset.stage = stage;
      li.dataset.round = String(round);
      const icon = document.createElement('span');
      icon.className = 'step-icon';
      icon.setAttribute('aria-hidden', 'true');
      const label = document.createElement('span');
      label.className = 'step-text';
      li.append(icon, label);
      // keep the pipeline's order whatever order updates arrive in
      const after = [...this.steps.entries()].filter(([k]) => stepOrder(k) > stepOrder(key)).map(([, node]) => node)[0];
      this.q('.steps').insertBefore(li, after || null);
      this.steps.set(key, li);
    }
    li.querySelector('.step-text').textContent = text;
    for (const [other, node] of this.steps) {
      if (stepOrder(other) < stepOrder(key)) node.classList.replace('active', 'done') || node.classList.add('done');
    }
    li.classList.remove('active', 'done');
    li.classList.add(done ? 'done' : 'active');
  }

  finishSteps(outcome = 'done') {
    // the step in flight ends as `outcome` (done, failed, stopped); the ones before it were done
    for (const node of this.steps.values()) {
      const inFlight = node.classList.contains('active');
      node.classList.remove('active');
      node.classList.add(inFlight ? outcome : 'done');
    }
  }

  quoted(queries) {
    return queries.map((q) => `“${q}”`).join(t('listSep'));
  }

  // A status event's typed fields (agent/events.py `Status`): the stage, and what that stage has.
  onStatus({ stage, queries, pages, sources, round = 1 }) {
    const count = (n) => (Number.isInteger(n) ? n : '');
    const inRound = (text) => (round > 1 ? text + t('stepRound', { n: round }) : text);
    const at = { round };
    if (stage === 'deciding') this.step('deciding', t('stepDeciding'));
    else if (stage === 'searching') {
      const known = Array.isArray(queries) && queries.length ? queries : (round === 1 ? this.queries : []);
      if (round === 1 && known.length) this.queries = known;
      this.step('searching', this.searchingText(known, round), at);
    } else if (stage === 'reading') this.step('reading', inRound(t('stepReading', { n: count(pages) })), at);
    else if (stage === 'condensing') this.step('condensing', inRound(t('stepCondensing', { n: count(pages) })), at);
    else if (stage === 'answering') this.step('answering', inRound(Number.isInteger(sources) ? t('stepAnswering', { n: sources }) : t('stepAnsweringDirect')), at);
  }

  // "Searching for …" in round 1, "Searching again for …" after (the model asked for more)
  searchingText(queries, round = 1, { done = false } = {}) {
    if (!queries.length) return t('stepSearchingWeb');
    const key = round > 1 ? (done ? 'stepSearchedAgain' : 'stepSearchingAgain') : (done ? 'stepSearched' : 'stepSearching');
    return t(key, { queries: this.quoted(queries) });
  }

  onQueries({ queries, round = 1 }) {
    if (!Array.isArray(queries) || !queries.length) return;
    if (round === 1) this.queries = queries;
    const li = this.steps.get(stepKey('searching', round));
    const text = this.searchingText(queries, round);
    if (li) li.querySelector('.step-text').textContent = text;
    else this.step('searching', text, { round });
  }

  // A later round's sources continue the numbering: they join the earlier rounds' cards.
  addSources(sources, round = 1) {
    if (!Array.isArray(sources)) return;
    if (round <= 1) return this.setSources(sources);
    const known = new Set(this.sources.map((s) => s.index));
    this.setSources([...this.sources, ...sources.filter((s) => !known.has(s.index))]);
  }

  // -- sources --
  setSources(sources) {
    this.sources = Array.isArray(sources) ? sources : [];
    const cards = this.q('.source-cards');
    cards.replaceChildren();
    for (const source of this.sources) {
      const url = safeURL(source.url);
      const card = document.createElement(url ? 'a' : 'div');
      card.className = 'source-card';
      if (url) {
        card.href = url;
        card.target = '_blank';
        card.rel = 'noopener noreferrer nofollow';
      }
      card.title = [source.title, source.snippet].filter(Boolean).join('\n\n');
      const head = document.createElement('span');
      head.className = 'source-head';
      const num = document.createElement('span');
      num.className = 'source-num';
      num.textContent = String(source.index);
      const domain = document.createElement('span');
      domain.className = 'source-domain';
      domain.textContent = domainOf(source.url) || source.url || '';
      head.append(num, domain);
      const title = document.createElement('span');
      title.className = 'source-title';
      title.textContent = source.title || domainOf(source.url) || t('untitled');
      card.append(head, title);
      if (source.snippet) {
        const snippet = document.createElement('span');
        snippet.className = 'source-snippet';
        snippet.textContent = source.snippet;
        card.append(snippet);
      }
      cards.append(card);
    }
    this.q('.sources').hidden = this.sources.length === 0;
    if (this.text) this.renderNow();
  }

  // -- answer --
  onDelta({ text }) {
    if (typeof text !== 'string' || !text) return;
    this.text += text;
    this.q('.answer-section').hidden = false;
    this.q('.answer').classList.add('streaming');
    if (!this.renderQueued) {
      this.renderQueued = true;
      requestAnimationFrame(() => {
        this.renderQueued = false;
        this.renderNow();
        followScroll();
      });
    }
  }

  renderNow() {
    renderMarkdown(this.q('.answer'), this.text, this.sources);
    // claims.js marks the checked claims (quotes on chips, unsupported sentences, the summary)
    this.root.dispatchEvent(new CustomEvent('answer-rendered', {
      bubbles: true,
      detail: { answer: this.q('.answer'), text: this.text, sources: this.sources, claims: this.claims || null },
    }));
  }

  showAnswer(text, { meta = '' } = {}) {
    this.text = text || '';
    this.q('.answer-section').hidden = !this.text;
    this.q('.answer').classList.remove('streaming');
    this.renderNow();
    this.q('.answer-actions').hidden = !this.text;
    this.q('.meta').textContent = meta;
  }

  onDone(data) {
    this.done = data;
    this.claims = Array.isArray(data.claims) ? data.claims : [];
    this.finishSteps();
    if (!data.searched) {
      // a direct answer: no search happened, say so instead of "deciding"
      for (const [key, node] of [...this.steps]) {
        if (key === 'deciding') continue;
        node.remove();
        this.steps.delete(key);
      }
      this.step('deciding', t('stepDirect'), { done: true });
      this.offerSearch();
    }
    const rounds = Number(data.search_rounds) || 1;
    if (Array.isArray(data.queries) && data.queries.length && this.steps.has('searching')) {
      // one query a later round: round 1 searched the rest
      const first = rounds > 1 ? data.queries.slice(0, data.queries.length - (rounds - 1)) : data.queries;
      this.steps.get('searching').querySelector('.step-text').textContent = this.searchingText(first, 1, { done: true });
      for (let round = 2; round <= rounds; round += 1) {
        const query = data.queries[data.queries.length - (rounds - round) - 1];
        const li = this.steps.get(stepKey('searching', round));
        if (li && query) li.querySelector('.step-text').textContent = this.searchingText([query], round, { done: true });
      }
    }
    this.setSources(data.sources || this.sources);
    const parts = [];
    if ((data.sources || []).length) parts.push(t('metaSources', { n: data.sources.length }));
    const total = data.timings && Number(data.timings.total);
    if (total) parts.push(t('metaSeconds', { s: (total / 1000).toFixed(1) }));
    this.showAnswer(data.answer, { meta: parts.join(' · ') });
    this.setRelated(data.related || []);
  }

  // "answered without searching — search?": one click asks the same question again, searching
  offerSearch() {
    const li = this.steps.get('deciding');
    if (!li || li.querySelector('.search-anyway')) return;
    const button = document.createElement('button');
    button.type = 'button';
    button.className = 'search-anyway';
    button.textContent = t('searchAnyway');
    button.addEventListener('click', () => { if (!state.busy) asking.ask(this.question, { search: 'always' }); });
    li.querySelector('.step-text').after(' — ', button);
  }

  setRelated(related) {
    const box = this.q('.related-chips');
    box.replaceChildren();
    for (const question of related) {
      if (typeof question !== 'string' || !question.trim()) continue;
      const chip = document.createElement('button');
      chip.type = 'button';
      chip.className = 'related-chip';
      const label = document.createElement('span');
      label.textContent = question;
      const plus = document.createElement('span');
      plus.className = 'related-plus';
      plus.setAttribute('aria-hidden', 'true');
      plus.textContent = '+';
      chip.append(label, plus);
      chip.addEventListener('click', () => { if (!state.busy) asking.ask(question); });
      box.append(chip);
    }
    this.q('.related').hidden = box.childElementCount === 0;
  }

  hideRelated() {
    this.q('.related').hidden = true;
  }

  // -- failures --
  showError(err) {
    const status = err.status || 0;
    this.finishSteps(status === 401 ? 'stopped' : 'failed');
    this.q('.answer').classList.remove('streaming');
    if (this.text) this.q('.answer-actions').hidden = false;
    const box = this.q('.error');
    box.replaceChildren();
    box.classList.toggle('muted', status === 401); // not a failure: the key is asked for
    const title = document.createElement('strong');
    title.textContent = status === 401 ? t('error401') : t('errorTitle');
    box.append(title);
    if (status !== 401) {
      const what = document.createElement('p');
      what.textContent = explain(err);
      box.append(what);
    }
    if (status !== 0 && status !== 401 && err.message) {
      const detail = document.createElement('p');
      detail.className = 'error-detail';
      detail.textContent = err.code ? `${err.message} (${err.code})` : err.message;
      box.append(detail);
    }
    const actions = document.createElement('div');
    actions.className = 'error-actions';
    if (status === 401) {
      const keyBtn = document.createElement('button');
      keyBtn.type = 'button';
      keyBtn.className = 'secondary';
      keyBtn.textContent = t('keyEnter');
      keyBtn.addEventListener('click', () => openKeyPanel(() => this.retry()));
      actions.append(keyBtn);
    }
    const retry = document.createElement('button');
    retry.type = 'button';
    retry.className = 'secondary retry';
    retry.textContent = t('retry');
    retry.addEventListener('click', () => this.retry());
    actions.append(retry);
    box.append(actions);
    box.hidden = false;
  }

  showStopped() {
    this.finishSteps('stopped');
    this.q('.answer').classList.remove('streaming');
    if (this.text) this.q('.answer-actions').hidden = false;
    const box = this.q('.error');
    box.replaceChildren();
    box.classList.add('muted');
    const p = document.createElement('p');
    p.textContent = t('stopped');
    box.append(p);
    box.hidden = false;
  }

  reset() {
    this.text = '';
    this.claims = null;
    this.sources = [];
    this.queries = [];
    this.steps.clear();
    this.q('.steps').replaceChildren();
    this.q('.sources').hidden = true;
    this.q('.answer-section').hidden = true;
    this.q('.answer-actions').hidden = true;
    this.q('.answer').replaceChildren();
    const box = this.q('.error');
    box.hidden = true;
    box.classList.remove('muted');
    box.replaceChildren();
    this.hideRelated();
  }

  retry() {
    if (state.busy) return;
    this.reset();
    asking.run(this);
  }

  async copy() {
    const button = this.q('.copy');
    const label = button.querySelector('span');
    let text = this.text;
    const cited = this.sources.filter((s) => new RegExp(`\\[${s.index}\\]`).test(this.text));
    if (cited.length) text += `\n\n${t('sources')}:\n${cited.map((s) => `[${s.index}] ${s.title} — ${s.url}`).join('\n')}`;
    let ok = false;
    try {
      await navigator.clipboard.writeText(text);
      ok = true;
    } catch {
      const area = document.createElement('textarea');
      area.value = text;
      area.setAttribute('readonly', '');
      area.className = 'offscreen';
      document.body.append(area);
      area.select();
      try { ok = document.execCommand('copy'); } catch { ok = false; }
      area.remove();
    }
    label.textContent = ok ? t('copied') : t('copyFailed');
    button.classList.toggle('ok', ok);
    clearTimeout(this.copyTimer);
    this.copyTimer = setTimeout(() => { label.textContent = t('copy'); button.classList.remove('ok'); }, 1800);
  }

  // a turn loaded back from the store
  static fromStored(turn) {
    const view = new TurnView(turn.question);
    if (turn.searched && (turn.queries || []).length) {
      view.queries = turn.queries;
      view.step('searching', t('stepSearched', { queries: view.quoted(turn.queries) }), { done: true });
    } else if (!turn.searched) {
      view.step('deciding', t('stepDirect'), { done: true });
      view.offerSearch();
    }
    view.claims = Array.isArray(turn.claims) ? turn.claims : [];
    view.setSources(turn.sources || []);
    const n = (turn.sources || []).length;
    view.showAnswer(turn.answer, { meta: n ? t('metaSources', { n }) : '' });
    return view;
  }
}
