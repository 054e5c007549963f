import { parseServerMessage, type ServerMessage } from '../../../src/protocol/index.js';
import { backoffDelay, type BackoffOptions } from './backoff.js';
import { Emitter } from './emitter.js';
import { FaceStreamError } from './errors.js';
import { defaultSocketFactory, messageText, OPEN, socketUrl, type SocketFactory, type SocketLike } from './websocket.js';

export interface ConnectionOptions {
  /** Server base URL: `http://host:8080`, `https://…`, `ws://…` or `wss://…`. */
  url: string;
  /** Shared secret, sent as `?token=` (the only way browsers can authenticate a WebSocket). */
  token?: string;
  /** Reconnect with exponential backoff after the socket closes (default true). */
  reconnect?: boolean | BackoffOptions;
  /** Custom WebSocket constructor, e.g. for tests or proxies. */
  socketFactory?: SocketFactory;
}

export type ConnectionState = 'idle' | 'connecting' | 'open' | 'reconnecting' | 'closed';

export interface ConnectionEvents extends Record<string, unknown> {
  state: ConnectionState;
  open: undefined;
  message: ServerMessage;
  close: { code: number; reason: string; willReconnect: boolean };
  reconnecting: { attempt: number; delayMs: number };
  /** A message that failed validation, a socket error, or a fatal server error. */
  error: FaceStreamError;
}

/**
 * Closes the server means for good: 1000 (done, e.g. the camera was removed) and 4400-4499
 * (the WebSocket twin of HTTP 4xx, e.g. 4404 no such camera). 1001 (restart), 1006 (lost),
 * 1011, 1013 (try again later) and the rest are retried.
 */
function isFinalClose(code: number): boolean {
  return code === 1000 || (code >= 4400 && code < 4500);
}

/** A typed error for an upgrade the server refused with 401, 403 or 404 (from `ws`'s error text). */
function refusedUpgrade(event: unknown): FaceStreamError | undefined {
  const message = (event as { message?: unknown } | null)?.message;
  const status = typeof message === 'string' ? /Unexpected server response: (\d{3})/.exec(message)?.[1] : undefined;
  if (status === '401' || status === '403') return new FaceStreamError('UNAUTHORIZED', `the server refused the token (HTTP ${status})`);
  if (status === '404') return new FaceStreamError('NOT_FOUND', 'the server has no such socket (HTTP 404)');
  return undefined;
}

/** One WebSocket that validates every server message and reopens itself with backoff. */
export class Connection extends Emitter<ConnectionEvents> {
  readonly #url: string;
  readonly #reconnect: BackoffOptions | false;
  readonly #factory: SocketFactory | undefined;
  #socket: SocketLike | undefined;
  #state: ConnectionState = 'idle';
  #attempt = 0;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #finalError: FaceStreamError | undefined;

  constructor(path: string, options: ConnectionOptions, query: Record<string, string> = {}) {
    super();
    this.#url = socketUrl(options.url, path, options.token, query);
    this.#reconnect = options.reconnect === false ? false : options.reconnect === true || options.reconnect === undefined ? {} : options.reconnect;
    this.#factory = options.socketFactory;
  }

  get state(): ConnectionState {
    return this.#state;
  }

  /** Why the connection gave up for good (a rejected token, an unknown camera), if it did. */
  get finalError(): FaceStreamError | undefined {
    return this.#finalError;
  }

  /** Bytes queued in the socket but not yet handed to the network. */
  get bufferedAmount(): number {
    return this.#socket?.bufferedAmount ?? 0;
  }

  start(): void {
    if (this.#state !== 'idle') return;
    void this.#open();
  }

  /** Closes for good: no reconnect after this. */
  close(): void {
    if (this.#state === 'closed') return;
    clearTimeout(this.#timer);
    this.#setState('closed');
    const socket = this.#socket;
    this.#socket = undefined;
    if (socket) {
      socket.onmessage = null;
      socket.onclose = null;
      socket.onerror = () => undefined;
      try {
        socket.close(1000, 'client closed');
      } catch {
        // A socket still CONNECTING may refuse close() in some runtimes; it is abandoned either way.
      }
    }
    this.emit('close', { code: 1000, reason: 'client closed', willReconnect: false });
  }

  /** Sends when open; returns false otherwise. */
  send(data: Uint8Array | string): boolean {
    const socket = this.#socket;
    if (!socket || this.#state !== 'open' || socket.readyState !== OPEN) return false;
    socket.send(data);
    return true;
  }

  async #open(): Promise<void> {
    this.#setState(this.#attempt === 0 ? 'connecting' : 'reconnecting');
    let socket: SocketLike;
    try {
      const factory = this.#factory ?? (await defaultSocketFactory());
      if (this.#state === 'closed') return;
      socket = factory(this.#url);
    } catch (cause) {
      this.emit('error', new FaceStreamError('NOT_CONNECTED', `cannot open ${this.#url}: ${String(cause)}`, { cause }));
      this.#scheduleReconnect(1006, 'socket could not be created');
      return;
    }
    this.#socket = socket;
    socket.binaryType = 'arraybuffer';
    socket.onopen = () => {
      this.#attempt = 0;
      this.#setState('open');
      this.emit('open', undefined);
    };
    socket.onmessage = (event) => this.#onMessage(event.data);
    socket.onerror = (event) => {
      // Browsers give no detail here; the close event that always follows drives reconnects.
      // `ws` (Node) tells the HTTP status of a refused upgrade, and 401/403/404 will not change.
      const error = refusedUpgrade(event);
      if (!error) return;
      this.#finalError = error;
      this.emit('error', error);
    };
    socket.onclose = (event) => {
      if (this.#socket !== socket) return;
      this.#socket = undefined;
      this.#scheduleReconnect(event.code, event.reason);
    };
  }

  #onMessage(data: unknown): void {
    const text = messageText(data);
    if (text === undefined) {
      this.emit('error', new FaceStreamError('PROTOCOL', 'the server sent a binary message'));
      return;
    }
    let message: ServerMessage;
    try {
      message = parseServerMessage(text);
    } catch (cause) {
      this.emit('error', new FaceStreamError('PROTOCOL', cause instanceof Error ? cause.message : String(cause), { cause }));
      return;
    }
    this.emit('message', message);
  }

  #scheduleReconnect(code: number, reason: string): void {
    if (this.#state === 'closed') return;
    const willReconnect = this.#reconnect !== false && !isFinalClose(code) && this.#finalError === undefined;
    this.emit('close', { code, reason, willReconnect });
    if (this.#reconnect === false || !willReconnect) {
      this.#setState('closed');
      return;
    }
    this.#attempt += 1;
    const delayMs = backoffDelay(this.#attempt, this.#reconnect);
    this.#setState('reconnecting');
    this.emit('reconnecting', { attempt: this.#attempt, delayMs });
    this.#timer = setTimeout(() => void this.#open(), delayMs);
  }

  #setState(state: ConnectionState): void {
    if (this.#state === state) return;
    this.#state = state;
    this.emit('state', state);
  }
}
