/* HTTP for the web chat: the bearer key, JSON errors, and the Server-Sent Events reader.
 *
 * v1/answer is asked with "stream": true and its events read with fetch() and a ReadableStream
 * (EventSource cannot POST).
 */

import { t } from './i18n.js';
import { KEY_STORE, store } from './storage.js';

export class HTTPError extends Error {
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

export async function api(method, path, { body, signal, accept } = {}) {
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

export async function* readEvents(body) {
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
