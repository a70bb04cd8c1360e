/* megrez-websearch web chat: the checked claims of an answer (issue #23), an ES module.
 *
 * app.js renders an answer and fires `answer-rendered` on its turn ({answer, text, sources,
 * claims}); once the claims are known (the `done` event, or a turn reopened from the store) this
 * module:
 *   - gives each citation chip the quote its source holds for the claim (a tooltip on hover, on
 *     keyboard focus and on tap; the chip's accessible description), and highlights that source's
 *     card, the quote shown on it;
 *   - marks a sentence no source supports (its markers were removed): the words stay, underlined,
 *     followed by a flag that says, on hover, focus or tap, that no source supports it;
 *   - writes a line under the answer: "4 of 5 claims supported".
 * `answer[start:end]` is a claim as shown, markers included (README "Citations a reader can trust").
 * Everything is set with textContent: the quotes are page text, never markup.
 */

const WORDS = {
  en: {
    quoteFrom: 'Source {n} · {site}',
    quoteLabel: 'Quote from source {n}: {quote}',
    noQuote: 'Source {n}: {title}',
    unsupported: 'Unsupported',
    unsupportedTip: 'No source supports this sentence: its citation was removed.',
    summary: '{n} of {total} claims supported',
    summaryOne: '{n} of 1 claim supported',
    partly: ', {n} partly',
    unsupportedCount: ', {n} without a source',
  },
  zh: {
    quoteFrom: '来源 {n} · {site}',
    quoteLabel: '来源 {n} 的原文：{quote}',
    noQuote: '来源 {n}：{title}',
    unsupported: '无来源支持',
    unsupportedTip: '没有来源支持这句话，其引用已被移除。',
    summary: '{total} 条陈述中 {n} 条有来源支持',
    summaryOne: '{total} 条陈述中 {n} 条有来源支持',
    partly: '，{n} 条部分支持',
    unsupportedCount: '，{n} 条没有来源',
  },
};
const LANG = /^zh\b|^zh-/i.test(document.documentElement.lang || '') ? 'zh' : 'en';

function say(key, vars = {}) {
  const text = WORDS[LANG][key] ?? WORDS.en[key];
  return text.replace(/\{(\w+)\}/g, (_, name) => String(vars[name] ?? ''));
}

const MARKER = /\[(\d{1,3})\]/g;
let ids = 0;
const nextId = (what) => `${what}-${++ids}`;

// ----------------------------------------------------------------------------------------------
// One tooltip for the page, shown next to whatever chip or flag has it
// ----------------------------------------------------------------------------------------------
const tip = document.createElement('div');
tip.className = 'claim-tip';
tip.hidden = true;
tip.setAttribute('aria-hidden', 'true'); // what it says reaches a screen reader as the target's description
document.body.append(tip);
let tipFor = null;
let hideTimer = 0;

function showTip(target) {
  const parts = target.claimTip;
  if (!parts) return;
  clearTimeout(hideTimer);
  if (tipFor && tipFor !== target) hideTip(); // one tip, one highlighted card at a time
  tip.replaceChildren();
  if (parts.head) {
    const head = document.createElement('span');
    head.className = 'claim-tip-head';
    head.textContent = parts.head;
    tip.append(head);
  }
  const body = document.createElement(parts.quote ? 'q' : 'span');
  body.className = 'claim-tip-body';
  body.textContent = parts.body;
  tip.append(body);
  tip.classList.toggle('warn', Boolean(parts.warn));
  tip.hidden = false;
  tipFor = target;
  place(target);
  const mark = target.claimCard?.querySelector('.source-quote');
  if (mark && target.claimQuote) mark.textContent = target.claimQuote; // this claim's quote of that source
  target.claimCard?.classList.add('quoted');
}

function hideTip(target) {
  if (target && target !== tipFor) return;
  const card = tipFor?.claimCard;
  card?.classList.remove('quoted');
  const mark = card?.querySelector('.source-quote');
  if (mark) mark.textContent = mark.firstQuote; // back to the first quote the answer takes from it
  tip.hidden = true;
  tipFor = null;
}

function place(target) {
  const box = target.getBoundingClientRect();
  const width = Math.min(360, window.innerWidth - 16);
  tip.style.maxWidth = `${width}px`;
  const left = Math.max(8, Math.min(box.left + box.width / 2 - tip.offsetWidth / 2, window.innerWidth - tip.offsetWidth - 8));
  const above = box.top - tip.offsetHeight - 8;
  const top = above >= 8 ? above : box.bottom + 8;
  tip.style.left = `${left + window.scrollX}px`;
  tip.style.top = `${top + window.scrollY}px`;
}

// The pointer may move from a chip onto its tip (to read or select the quote) without losing it
// (WCAG 1.4.13: content shown on hover stays while hovered, goes with Escape).
function leaveSoon(target) {
  clearTimeout(hideTimer);
  hideTimer = setTimeout(() => {
    if (target && document.activeElement !== target && !tip.matches(':hover')) hideTip(target);
  }, 250);
}
tip.addEventListener('mouseleave', () => leaveSoon(tipFor));

let touched = null; // the last touch: a first tap shows a tip, a second one acts
function armTip(target) {
  target.addEventListener('mouseenter', () => showTip(target));
  target.addEventListener('mouseleave', () => leaveSoon(target));
  target.addEventListener('focus', () => showTip(target));
  target.addEventListener('blur', () => hideTip(target));
  target.addEventListener('pointerdown', (event) => {
    // whether its tip was shown as the tap began (the tap's focus shows it before the click)
    touched = event.pointerType === 'touch' ? { target, shown: tipFor === target } : null;
  });
  target.addEventListener('click', (event) => {
    if (!touched || touched.target !== target) return;
    const { shown } = touched;
    touched = null;
    if (!shown) { // a tap shows the quote; a second tap follows the link
      event.preventDefault();
      showTip(target);
    }
  });
}

document.addEventListener('keydown', (event) => { if (event.key === 'Escape' && tipFor) hideTip(); });
document.addEventListener('pointerdown', (event) => {
  if (tipFor && !tipFor.contains(event.target) && !tip.contains(event.target)) hideTip();
});
window.addEventListener('scroll', () => { if (tipFor) place(tipFor); }, { passive: true });

// ----------------------------------------------------------------------------------------------
// Finding a claim's words in the rendered answer (Markdown may have changed its characters)
// ----------------------------------------------------------------------------------------------
const SKIP = /[\s*_`#>~|\\]/; // spaces and Markdown's own characters differ between text and page

function textIndex(container) {
  const chars = []; // the page's characters that count, each with its text node and offset
  const walker = document.createTreeWalker(container, NodeFilter.SHOW_TEXT, {
    acceptNode: (node) => (node.parentElement.closest('a.cite, .claim-flag, pre, code') ? NodeFilter.FILTER_REJECT : NodeFilter.FILTER_ACCEPT),
  });
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const text = node.data;
    for (let i = 0; i < text.length; i += 1) if (!SKIP.test(text[i])) chars.push({ c: text[i], node, at: i });
  }
  return { chars, flat: chars.map((x) => x.c).join('') };
}

function squeeze(text) {
  return [...String(text).replace(MARKER, '')].filter((c) => !SKIP.test(c)).join('');
}

// Wraps page characters [from, to] (inclusive, indexes into chars) in spans; returns the last span.
function wrap(chars, from, to, className) {
  const byNode = new Map();
  for (let k = from; k <= to; k += 1) {
    const { node, at } = chars[k];
    const span = byNode.get(node) || { start: at, end: at };
    span.end = at;
    byNode.set(node, span);
  }
  let last = null;
  for (const [node, { start, end }] of byNode) {
    const range = document.createRange();
    range.setStart(node, start);
    range.setEnd(node, end + 1);
    const mark = document.createElement('span');
    mark.className = className;
    range.surroundContents(mark);
    last = mark;
  }
  return last;
}

// ----------------------------------------------------------------------------------------------
// Decorating one rendered answer
// ----------------------------------------------------------------------------------------------
function siteOf(url) {
  try { return new URL(url, location.href).hostname.replace(/^www\./, ''); } catch { return ''; }
}

function note(notes, text) {
  const span = document.createElement('span');
  span.id = nextId('claim-note');
  span.textContent = text;
  notes.append(span);
  return span.id;
}

// Which claim each marker of the answer belongs to, in order: [{n, claim}]
function markersOf(text, claims) {
  const out = [];
  for (const m of String(text).matchAll(MARKER)) {
    const claim = claims.find((c) => c.start <= m.index && m.index < c.end) || null;
    out.push({ n: Number(m[1]), claim });
  }
  return out;
}

// A URL text fragment (`#:~:text=`), built as agent/verify/fragment.py builds the API's quote_url:
// a short quote whole, a long one by its first and last words; "-", "," and "&" percent-encoded.
function quoteURL(url, quote) {
  url = url.replace(/:~:.*$/, '').replace(/#$/, ''); // a second rendering replaces the fragment, never adds one
  const text = quote.split(/\s+/).filter(Boolean).join(' ');
  if (!text) return url;
  const cjk = /[\u3400-\u9fff]/.test(text);
  // encodeURIComponent leaves -!'()* alone; Python's quote() (the API's quote_url) encodes all but -
  const enc = (s) => encodeURIComponent(s).replace(/[-!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  let directive;
  if (text.length <= (cjk ? 24 : 80)) {
    directive = `text=${enc(text)}`;
  } else {
    const words = text.split(' ');
    const [start, end] = cjk || words.length < 9
      ? [text.slice(0, 10).trim(), text.slice(-10).trim()]
      : [words.slice(0, 4).join(' '), words.slice(-4).join(' ')];
    directive = `text=${enc(start)},${enc(end)}`;
  }
  return url.includes('#') ? `${url}:~:${directive}` : `${url}#:~:${directive}`;
}

function quoteOf(claim, n) {
  const quote = (claim && claim.quotes || []).find((q) => Number(q.index) === n);
  return quote && quote.text ? quote.text : '';
}

function decorate({ answer, text, sources, claims }, turn) {
  turn.querySelector('.claims-summary')?.remove();
  turn.querySelector('.claim-notes')?.remove();
  if (!Array.isArray(claims) || !claims.length) return;
  const notes = document.createElement('div');
  notes.className = 'claim-notes';
  notes.hidden = true; // the descriptions chips and flags point at (aria-describedby)
  const byIndex = new Map((sources || []).map((s) => [Number(s.index), s]));
  const cards = new Map([...turn.querySelectorAll('.source-card')].map((card) => [Number(card.querySelector('.source-num')?.textContent), card]));

  // chips: the quote of the claim each one cites from
  const markers = markersOf(text, claims);
  let next = 0;
  const quoted = new Map(); // source -> the first quote shown from it (for its card)
  for (const chip of answer.querySelectorAll('a.cite')) {
    const n = Number(chip.textContent);
    while (next < markers.length && markers[next].n !== n) next += 1;
    const claim = next < markers.length ? markers[next].claim : null;
    next += 1;
    const source = byIndex.get(n) || {};
    const quote = quoteOf(claim, n);
    const site = siteOf(source.url) || source.title || '';
    chip.removeAttribute('title'); // the tooltip below says it, once
    if (quote && chip.href) chip.href = quoteURL(chip.href, quote); // opens the page at the quote
    chip.claimCard = cards.get(n) || null;
    chip.claimQuote = quote;
    chip.claimTip = quote
      ? { head: say('quoteFrom', { n, site }), body: quote, quote: true }
      : { head: '', body: say('noQuote', { n, title: source.title || site }) };
    chip.setAttribute('aria-describedby', note(notes, quote ? say('quoteLabel', { n, quote }) : say('noQuote', { n, title: source.title || site })));
    if (quote && !quoted.has(n)) quoted.set(n, quote);
    armTip(chip);
  }

  // source cards: the quote the answer leans on, highlighted
  for (const [n, card] of cards) {
    card.querySelector('.source-quote')?.remove();
    const quote = quoted.get(n);
    card.classList.toggle('cited', Boolean(quote));
    if (!quote) continue;
    const mark = document.createElement('mark');
    mark.className = 'source-quote';
    mark.textContent = quote;
    mark.firstQuote = quote;
    card.append(mark);
  }

  // unsupported sentences: underlined, and a flag after each
  const { chars, flat } = textIndex(answer);
  const found = [];
  let from = 0;
  for (const claim of claims) {
    const words = squeeze(text.slice(claim.start, claim.end));
    const at = words ? flat.indexOf(words, from) : -1;
    if (at < 0) continue;
    from = at + words.length;
    if (claim.support === 'unsupported') found.push([at, at + words.length - 1]);
  }
  // the last first: wrapping splits a text node after the place, so earlier places stay valid
  for (const [start, end] of found.reverse()) {
    const last = wrap(chars, start, end, 'claim-unsupported');
    const flag = document.createElement('button');
    flag.type = 'button';
    flag.className = 'claim-flag';
    flag.textContent = say('unsupported');
    flag.claimTip = { head: '', body: say('unsupportedTip'), warn: true };
    flag.setAttribute('aria-describedby', note(notes, say('unsupportedTip')));
    armTip(flag);
    last.after(flag);
  }

  // the line under the answer
  const total = claims.length;
  const supported = claims.filter((c) => c.support === 'supported').length;
  const partly = claims.filter((c) => c.support === 'partial').length;
  const none = total - supported - partly;
  const line = document.createElement('p');
  line.className = 'claims-summary';
  line.classList.toggle('has-unsupported', none > 0);
  line.textContent = say(total === 1 ? 'summaryOne' : 'summary', { n: supported, total })
    + (partly ? say('partly', { n: partly }) : '') + (none ? say('unsupportedCount', { n: none }) : '');
  answer.after(line, notes);
}

document.addEventListener('answer-rendered', (event) => {
  if (tipFor && !document.contains(tipFor)) hideTip();
  decorate(event.detail, event.target);
});
