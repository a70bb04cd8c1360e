/* megrez-websearch web chat: plain JavaScript, no build step.
 *
 * Asks POST v1/answer with "stream": true and reads its Server-Sent Events with fetch() and a
 * ReadableStream (EventSource cannot POST): status -> steps, sources -> cards, delta -> the answer
 * as it is written, related -> follow-up chips, done -> the final answer, error -> shown in place.
 * Model text is rendered from Markdown by the vendored `marked` and cleaned by `DOMPurify` before
 * it touches the page; everything else is set with textContent.
 */
(() => {
  'use strict';

  // ------------------------------------------------------------------------------------------
  // Interface text, English and Chinese (navigator.language zh* -> Chinese)
  // ------------------------------------------------------------------------------------------
  const I18N = {
    en: {
      brand: 'Megrez WebSearch',
      newChat: 'New chat',
      history: 'History',
      historyEmpty: 'Your conversations appear here.',
      openHistory: 'Show history',
      closeHistory: 'Hide history',
      apiKey: 'API key',
      heroTitle: 'What do you want to know?',
      heroText: 'Answers from the web, with a source for every statement.',
      askLabel: 'Your question',
      askPlaceholder: 'Ask anything…',
      followPlaceholder: 'Ask a follow-up…',
      send: 'Ask',
      stop: 'Stop',
      footnote: 'Answers are written by a small model from web pages. Check the sources.',
      keyTitle: 'An API key is needed',
      keyText: 'This service answers only with a key. Ask whoever runs it for one; it is kept in this browser.',
      keyPlaceholder: 'Paste your API key',
      keyWrong: 'That key was not accepted. Check it and try again.',
      keyForget: 'Forget key',
      keySave: 'Save and continue',
      keyEnter: 'Enter API key',
      cancel: 'Cancel',
      sources: 'Sources',
      answer: 'Answer',
      related: 'Related',
      copy: 'Copy',
      copied: 'Copied',
      copyFailed: 'Copy failed',
      delete: 'Delete',
      deleteConversation: 'Delete “{title}”',
      stepDeciding: 'Deciding whether to search',
      stepDirect: 'Answered without searching',
      searchAnyway: 'search?',
      stepSearching: 'Searching for {queries}',
      stepSearched: 'Searched for {queries}',
      stepSearchingWeb: 'Searching the web',
      stepReading: 'Reading {n} sources',
      stepCondensing: 'Condensing {n} long pages',
      stepAnswering: 'Writing the answer from {n} sources',
      stepAnsweringDirect: 'Writing the answer',
      stepRound: ' (round {n})',
      stepSearchingAgain: 'Searching again for {queries}',
      stepSearchedAgain: 'Searched again for {queries}',
      deep: 'Deep',
      deepTitle: 'Deep research: more searches, more pages (slower)',
      listSep: ', ',
      stopped: 'Stopped. The answer above is incomplete.',
      errorTitle: 'The answer could not be completed',
      error401: 'An API key is needed to ask.',
      error422: 'The question could not be sent as it is.',
      error429: 'Too many requests. Wait a moment and try again.',
      error503: 'A service the answer needs is down right now.',
      error504: 'The model took too long to answer.',
      error500: 'The service failed unexpectedly.',
      errorModel: 'The model backend failed to answer.',
      errorSearch: 'The search provider could not be reached.',
      errorStore: 'The conversation store could not be reached.',
      errorNetwork: 'The service could not be reached. Check the connection and try again.',
      errorCutOff: 'The answer was cut off before it finished.',
      retry: 'Try again',
      loading: 'Loading the conversation…',
      expired: 'That conversation is no longer stored (it may have expired), so it was removed from the list.',
      notYours: 'That link is to a conversation this browser did not start, so it was not opened. Ask your own question below.',
      loadFailed: 'The conversation could not be loaded: {message}',
      deleteFailed: 'The conversation could not be deleted: {message}',
      dismiss: 'Dismiss',
      untitled: 'Untitled',
      sourceN: 'Source {n}: {title}',
      metaSources: '{n} sources',
      metaSeconds: '{s} s',
    },
    zh: {
      brand: 'Megrez 联网搜索',
      newChat: '新对话',
      history: '历史对话',
      historyEmpty: '你的对话会显示在这里。',
      openHistory: '显示历史对话',
      closeHistory: '隐藏历史对话',
      apiKey: 'API 密钥',
      heroTitle: '你想了解什么？',
      heroText: '从网络中寻找答案，每句话都注明来源。',
      askLabel: '你的问题',
      askPlaceholder: '有问题，尽管问…',
      followPlaceholder: '继续追问…',
      send: '提问',
      stop: '停止',
      footnote: '回答由小模型根据网页撰写，请核对来源。',
      keyTitle: '需要 API 密钥',
      keyText: '此服务需要密钥才能回答。请向服务的管理员索取；密钥只保存在本浏览器中。',
      keyPlaceholder: '粘贴你的 API 密钥',
      keyWrong: '该密钥未被接受，请检查后重试。',
      keyForget: '清除密钥',
      keySave: '保存并继续',
      keyEnter: '输入 API 密钥',
      cancel: '取消',
      sources: '来源',
      answer: '回答',
      related: '相关问题',
      copy: '复制',
      copied: '已复制',
      copyFailed: '复制失败',
      delete: '删除',
      deleteConversation: '删除“{title}”',
      stepDeciding: '判断是否需要搜索',
      stepDirect: '无需搜索，直接回答',
      searchAnyway: '要搜索吗？',
      stepSearching: '正在搜索 {queries}',
      stepSearched: '已搜索 {queries}',
      stepSearchingWeb: '正在搜索网络',
      stepReading: '正在阅读 {n} 个来源',
      stepCondensing: '正在精简 {n} 个长网页',
      stepAnswering: '根据 {n} 个来源撰写回答',
      stepAnsweringDirect: '正在撰写回答',
      stepRound: '（第 {n} 轮）',
      stepSearchingAgain: '再次搜索 {queries}',
      stepSearchedAgain: '已再次搜索 {queries}',
      deep: '深度',
      deepTitle: '深度研究：多轮搜索，阅读更多网页（更慢）',
      listSep: '、',
      stopped: '已停止，以上回答不完整。',
      errorTitle: '无法完成回答',
      error401: '需要 API 密钥才能提问。',
      error422: '问题无法按原样发送。',
      error429: '请求过多，请稍后再试。',
      error503: '回答所需的某项服务暂时不可用。',
      error504: '模型响应超时。',
      error500: '服务发生意外错误。',
      errorModel: '模型服务未能给出回答。',
      errorSearch: '无法连接到搜索服务。',
      errorStore: '无法连接到对话存储。',
      errorNetwork: '无法连接到服务，请检查网络后重试。',
      errorCutOff: '回答在完成前中断了。',
      retry: '重试',
      loading: '正在加载对话…',
      expired: '该对话已不在存储中（可能已过期），已从列表中移除。',
      notYours: '该链接指向的对话不是在此浏览器中发起的，因此未打开。请在下方提出您自己的问题。',
      loadFailed: '无法加载对话：{message}',
      deleteFailed: '无法删除对话：{message}',
      dismiss: '关闭',
      untitled: '无标题',
      sourceN: '来源 {n}：{title}',
      metaSources: '{n} 个来源',
      metaSeconds: '{s} 秒',
    },
  };
  const LANG = /^zh\b|^zh-/i.test(navigator.language || '') ? 'zh' : 'en';
  const STRINGS = I18N[LANG];

  function t(key, vars) {
    const text = STRINGS[key] ?? I18N.en[key] ?? key;
    return vars ? text.replace(/\{(\w+)\}/g, (_, name) => String(vars[name] ?? '')) : text;
  }

  function translate(root) {
    for (const el of root.querySelectorAll('[data-i18n]')) el.textContent = t(el.dataset.i18n);
    for (const el of root.querySelectorAll('[data-i18n-placeholder]')) el.placeholder = t(el.dataset.i18nPlaceholder);
    for (const el of root.querySelectorAll('[data-i18n-title]')) el.title = t(el.dataset.i18nTitle);
    for (const el of root.querySelectorAll('[data-i18n-aria-label]')) el.setAttribute('aria-label', t(el.dataset.i18nAriaLabel));
  }

  // ------------------------------------------------------------------------------------------
  // Storage (a browser that refuses localStorage still works, it just forgets)
  // ------------------------------------------------------------------------------------------
  const KEY_STORE = 'megrez-websearch.api-key';
  const HISTORY_STORE = 'megrez-websearch.conversations';
  const HISTORY_MAX = 100;
  const DEEP_STORE = 'megrez-websearch.deep';

  const store = {
    get(name) {
      try { return localStorage.getItem(name); } catch { return null; }
    },
    set(name, value) {
      try { value == null ? localStorage.removeItem(name) : localStorage.setItem(name, value); } catch { /* ignore */ }
    },
  };

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

  function rememberConversation(id, title) {
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

  // ------------------------------------------------------------------------------------------
  // Markdown: marked (with a [n] citation token) -> DOMPurify -> citation chips
  // ------------------------------------------------------------------------------------------
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
  const safeURL = (url) => (typeof url !== 'string' ? null
    : /^https?:\/\//i.test(url) ? url : LOCAL_DOC.test(url) ? new URL(url, location.origin).href : null);

  function domainOf(url) {
    if (typeof url === 'string' && LOCAL_DOC.test(url)) {
      try { return decodeURIComponent(url.slice('/documents/'.length).split('?')[0]); } catch { return url; }
    }
    try { return new URL(url).hostname.replace(/^www\./, ''); } catch { return ''; }
  }

  function renderMarkdown(container, text, sources) {
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

  // ------------------------------------------------------------------------------------------
  // HTTP: bearer key, JSON errors, the SSE reader
  // ------------------------------------------------------------------------------------------
  class HTTPError extends Error {
    constructor(status, code, message, kind = '', part = '') {
      super(message);
      this.status = status;
      this.code = code;
      this.kind = kind; // core/errors.py ErrorKind, on a streamed `error` event
      this.part = part || ''; // the part of the service that failed, as the server names it (api/errors.py)
    }
  }

  function apiHeaders(extra) {
    const headers = { Accept: 'application/json', ...extra };
    const key = store.get(KEY_STORE);
    if (key) headers.Authorization = `Bearer ${key}`;
    return headers;
  }

  async function errorOf(response) {
    let code = `http_${response.status}`;
    let message = response.statusText || `HTTP ${response.status}`;
    let part = '';
    try {
      const body = await response.json();
      if (body && body.error) {
        code = body.error.code || code;
        message = body.error.message || message;
        part = body.error.part || '';
      }
    } catch { /* not JSON: keep the status line */ }
    return new HTTPError(response.status, code, message, '', part);
  }

  async function api(method, path, { body, signal, accept } = {}) {
    let response;
    try {
      response = await fetch(path, {
        method,
        headers: apiHeaders({ ...(body ? { 'Content-Type': 'application/json' } : {}), ...(accept ? { Accept: accept } : {}) }),
        body: body ? JSON.stringify(body) : undefined,
        signal,
        cache: 'no-store',
      });
    } catch (err) {
      if (err && err.name === 'AbortError') throw err;
      throw new HTTPError(0, 'network', t('errorNetwork'));
    }
    if (!response.ok) throw await errorOf(response);
    return response;
  }

  function parseEventBlock(block) {
    let event = 'message';
    const data = [];
    for (const line of block.split('\n')) {
      if (!line || line.startsWith(':')) continue;
      const colon = line.indexOf(':');
      const field = colon < 0 ? line : line.slice(0, colon);
      let value = colon < 0 ? '' : line.slice(colon + 1);
      if (value.startsWith(' ')) value = value.slice(1);
      if (field === 'event') event = value;
      else if (field === 'data') data.push(value);
    }
    return data.length ? { event, data: data.join('\n') } : null;
  }

  async function* readEvents(body) {
    const reader = body.getReader();
    const decoder = new TextDecoder('utf-8');
    let buffer = '';
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      buffer += decoder.decode(value, { stream: true });
      // Normalise line ends, holding back a lone \r that may be the first half of \r\n.
      const held = buffer.endsWith('\r') ? '\r' : '';
      buffer = buffer.slice(0, buffer.length - held.length).replace(/\r\n?/g, '\n') + held;
      let end;
      while ((end = buffer.indexOf('\n\n')) >= 0) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const event = parseEventBlock(block);
        if (event) yield event;
      }
    }
    buffer = (buffer + decoder.decode()).replace(/\r\n?/g, '\n');
    const last = buffer.trim() ? parseEventBlock(buffer.trim()) : null;
    if (last) yield last;
  }

  // ------------------------------------------------------------------------------------------
  // Page elements and state
  // ------------------------------------------------------------------------------------------
  const $ = (id) => document.getElementById(id);
  const el = {
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

  const state = {
    conversationId: null, // known after the first answer's `done`
    controller: null, // AbortController of the request in flight
    busy: false,
    deep: store.get(DEEP_STORE) === '1', // the "deep" switch: more search rounds and pages
    onKey: null, // what to retry once a key is saved
    loadSeq: 0,
  };

  // ------------------------------------------------------------------------------------------
  // One question and its answer, as shown in the thread
  // ------------------------------------------------------------------------------------------
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

  class TurnView {
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
      button.addEventListener('click', () => { if (!state.busy) ask(this.question, { search: 'always' }); });
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
        chip.addEventListener('click', () => { if (!state.busy) ask(question); });
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
      run(this);
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

  // ------------------------------------------------------------------------------------------
  // Which search provider answered: a short notice when a fallback did (the `search_provider`
  // event, or `search_fallback` in a plain JSON answer), e.g. "DuckDuckGo is rate-limiting;
  // searched with Brave". Self-contained: its own words, its own element under the steps.
  // ------------------------------------------------------------------------------------------
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

  function showProviderNotice(view, provider, passedOver) {
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

  // ------------------------------------------------------------------------------------------
  // Asking
  // ------------------------------------------------------------------------------------------
  function setBusy(busy) {
    state.busy = busy;
    el.send.hidden = busy;
    el.stop.hidden = !busy;
    el.body.classList.toggle('busy', busy);
    el.question.placeholder = t(state.conversationId || el.thread.childElementCount ? 'followPlaceholder' : 'askPlaceholder');
  }

  function updateEmpty() {
    el.body.classList.toggle('is-empty', el.thread.childElementCount === 0);
  }

  function nearBottom() {
    const doc = document.scrollingElement || document.documentElement;
    return doc.scrollHeight - (doc.scrollTop + window.innerHeight) < 160;
  }

  let following = true;
  function followScroll() {
    if (following) window.scrollTo({ top: document.body.scrollHeight });
  }
  window.addEventListener('scroll', () => { if (state.busy) following = nearBottom(); }, { passive: true });

  function ask(question, { search } = {}) {
    question = (question || '').trim();
    if (!question || state.busy) return;
    hideNotice();
    for (const old of el.thread.querySelectorAll('.related')) old.hidden = true;
    const view = new TurnView(question);
    if (search) view.search = search;
    updateEmpty();
    following = true;
    followScroll();
    run(view);
  }

  async function run(view) {
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
        if (err.status === 401) openKeyPanel(() => view.retry(), { wrong: Boolean(store.get(KEY_STORE)) });
      } else {
        view.showError(new HTTPError(0, 'network', String(err && err.message || err)));
      }
    } finally {
      if (state.controller === controller) state.controller = null;
      setBusy(false);
      followScroll();
    }
  }

  function stop() {
    if (state.controller) state.controller.abort();
  }

  // ------------------------------------------------------------------------------------------
  // Conversations: the list, opening one from the store, deleting, starting anew
  // ------------------------------------------------------------------------------------------
  function renderHistory() {
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

  function setHash(id) {
    const hash = id ? `#c=${encodeURIComponent(id)}` : '';
    if (location.hash !== hash) history.replaceState(null, '', hash || location.pathname + location.search);
  }

  function hashConversation() {
    const m = /^#c=([A-Za-z0-9_.:%-]{1,400})$/.exec(location.hash);
    if (!m) return null;
    try { return decodeURIComponent(m[1]); } catch { return null; }
  }

  // A #c= link opens only a conversation this browser started (listed here): a link someone sent
  // could otherwise show their forged turns as ours, and carry what we type next into their thread.
  function openLinked(id) {
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

  function newChat() {
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

  async function openConversation(id) {
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
        openKeyPanel(() => openConversation(id), { wrong: Boolean(store.get(KEY_STORE)) });
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
        openKeyPanel(() => deleteConversation(id), { wrong: Boolean(store.get(KEY_STORE)) });
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

  function showNotice(text) {
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

  function hideNotice() {
    el.notice.hidden = true;
    el.notice.replaceChildren();
  }

  // ------------------------------------------------------------------------------------------
  // The API key panel
  // ------------------------------------------------------------------------------------------
  function openKeyPanel(then, { wrong = false } = {}) {
    state.onKey = then || null;
    el.keyInput.value = store.get(KEY_STORE) || '';
    el.keyError.textContent = t('keyWrong');
    el.keyError.hidden = !wrong;
    el.keyForget.hidden = !store.get(KEY_STORE);
    el.keyPanel.hidden = false;
    el.keyInput.focus();
    el.keyInput.select();
  }

  function closeKeyPanel() {
    el.keyPanel.hidden = true;
    state.onKey = null;
    updateKeyButton();
  }

  function updateKeyButton() {
    el.keyButton.hidden = !store.get(KEY_STORE);
  }

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

  // ------------------------------------------------------------------------------------------
  // Sidebar (a drawer on narrow screens), composer, keyboard
  // ------------------------------------------------------------------------------------------
  function openSidebar() {
    el.body.classList.add('sidebar-open');
    el.scrim.hidden = false;
    el.openSidebar.setAttribute('aria-expanded', 'true');
  }

  function closeSidebar() {
    el.body.classList.remove('sidebar-open');
    el.scrim.hidden = true;
    el.openSidebar.setAttribute('aria-expanded', 'false');
  }

  function autosize() {
    el.question.style.height = 'auto';
    el.question.style.height = `${Math.min(el.question.scrollHeight, 220)}px`;
  }

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

  // ------------------------------------------------------------------------------------------
  // Start
  // ------------------------------------------------------------------------------------------
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
})();
