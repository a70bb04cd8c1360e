/* Model text to the page: marked (with a [n] citation token) -> DOMPurify -> citation chips.
 *
 * `marked` and `DOMPurify` are the vendored scripts index.html loads before the modules
 * (window.marked, window.DOMPurify). Raw HTML and images in the model's Markdown are shown as
 * text, and the sources are the only links an answer keeps.
 */

import { t } from './i18n.js';

const escapeHTML = (s) => String(s).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]);

const md = new window.marked.Marked({
  gfm: true,
  breaks: false,
  async: false,
  renderer: {
    // Raw HTML in the model's Markdown is shown as text, never parsed as markup.
    html(token) { return escapeHTML(token.text || token.raw || ''); },
    image(token) { return escapeHTML(token.text || ''); }, // no remote images from an answer
  },
  extensions: [
    {
      name: 'citation',
      level: 'inline',
      start(src) {
        const at = src.search(/\[\d{1,3}\]/);
        return at < 0 ? undefined : at;
      },
      tokenizer(src) {
        const m = /^\[(\d{1,3})\]/.exec(src);
        if (m) return { type: 'citation', raw: m[0], n: Number(m[1]) };
        return undefined;
      },
      renderer(token) { return `<a data-cite="${token.n}">${token.n}</a>`; },
    },
  ],
});

const PURIFY = {
  ALLOWED_TAGS: ['p', 'br', 'strong', 'em', 'b', 'i', 'del', 's', 'code', 'pre', 'blockquote', 'ul', 'ol', 'li',
    'h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'a', 'table', 'thead', 'tbody', 'tr', 'th', 'td', 'hr', 'sup', 'sub'],
  ALLOWED_ATTR: ['href', 'title', 'data-cite', 'align', 'start'],
  ALLOW_DATA_ATTR: false,
  ALLOWED_URI_REGEXP: /^(?:https?:|mailto:)/i, // links in an answer: web pages and mail only
  ADD_URI_SAFE_ATTR: ['data-cite', 'align', 'start'], // values that are not URLs (else checked as one)
};

// The local index's documents are served by this app at /documents/… (same-origin links).
const LOCAL_DOC = /^\/documents\//;
export const safeURL = (url) => (typeof url !== 'string' ? null
  : /^https?:\/\//i.test(url) ? url : LOCAL_DOC.test(url) ? new URL(url, location.origin).href : null);

export function domainOf(url) {
  if (typeof url === 'string' && LOCAL_DOC.test(url)) {
    try { return decodeURIComponent(url.slice('/documents/'.length).split('?')[0]); } catch { return url; }
  }
  try { return new URL(url).hostname.replace(/^www\./, ''); } catch { return ''; }
}

export function renderMarkdown(container, text, sources) {
  const html = md.parse(text || '');
  container.innerHTML = window.DOMPurify.sanitize(html, PURIFY);
  const byIndex = new Map((sources || []).map((s) => [Number(s.index), s]));
  for (const a of container.querySelectorAll('a')) {
    if (a.hasAttribute('data-cite')) {
      const n = Number(a.getAttribute('data-cite'));
      const source = byIndex.get(n);
      const url = source && safeURL(source.url);
      if (!url) { // a marker with no source to point at is shown as it was written
        a.replaceWith(document.createTextNode(`[${n}]`));
        continue;
      }
      a.className = 'cite';
      a.href = url;
      a.title = source.title || domainOf(url);
      a.textContent = String(n);
      a.setAttribute('aria-label', t('sourceN', { n, title: source.title || domainOf(url) }));
    } else { // any other link in an answer is its text: the sources are the only links
      a.replaceWith(document.createTextNode(a.textContent));
      continue;
    }
    a.target = '_blank';
    a.rel = 'noopener noreferrer nofollow';
  }
}
