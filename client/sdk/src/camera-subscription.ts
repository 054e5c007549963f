import type { CameraStateMessage, ErrorMessage, PreviewMessage, ResultMessage, ServerMessage } from '../../../src/protocol/index.js';
import { Connection, type ConnectionOptions, type ConnectionState } from './connection.js';
import { Emitter } from './emitter.js';
import { FaceStreamError } from './errors.js';

export interface CameraSubscriptionEvents extends Record<string, unknown> {
  /** The socket's own state (connecting, open, reconnecting, closed). */
  connection: ConnectionState;
  /** The camera's state as the server reports it (connecting, live, stalled, …). */
  'camera-state': CameraStateMessage;
  result: ResultMessage;
  preview: PreviewMessage;
  error: FaceStreamError;
  close: { code: number; reason: string; willReconnect: boolean };
  reconnecting: { attempt: number; delayMs: number };
}

export interface CameraSubscriptionOptions extends ConnectionOptions {
  /** Also receive low-rate JPEG `preview` messages (default false). */
  preview?: boolean;
}

/** Read-only subscription to one registered camera's results on `/v1/cameras/:id/stream`. */
export class CameraSubscription extends Emitter<CameraSubscriptionEvents> {
  readonly cameraId: string;
  readonly #connection: Connection;
  #cameraState: CameraStateMessage | undefined;
  #lastResult: ResultMessage | undefined;

  constructor(cameraId: string, options: CameraSubscriptionOptions) {
    super();
    this.cameraId = cameraId;
    const query: Record<string, string> = options.preview ? { preview: '1' } : {};
    this.#connection = new Connection(`v1/cameras/${encodeURIComponent(cameraId)}/stream`, options, query);
    this.#connection.on('state', (state) => this.emit('connection', state));
    this.#connection.on('message', (message) => this.#onMessage(message));
    this.#connection.on('error', (error) => this.emit('error', error));
    this.#connection.on('close', (event) => this.emit('close', event));
    this.#connection.on('reconnecting', (event) => this.emit('reconnecting', event));
  }

  /** Opens the socket; events start flowing. Returns this for chaining. */
  start(): this {
    this.#connection.start();
    return this;
  }

  close(): void {
    this.#connection.close();
  }

  get connectionState(): ConnectionState {
    return this.#connection.state;
  }

  /** Latest camera-state message, if any arrived. */
  get cameraState(): CameraStateMessage | undefined {
    return this.#cameraState;
  }

  get lastResult(): ResultMessage | undefined {
    return this.#lastResult;
  }

  #onMessage(message: ServerMessage): void {
    switch (message.type) {
      case 'camera-state':
        this.#cameraState = message;
        this.emit('camera-state', message);
        return;
      case 'result':
        this.#lastResult = message;
        this.emit('result', message);
        return;
      case 'preview':
        this.emit('preview', message);
        return;
      case 'error':
        this.#onError(message);
        return;
      default:
        return;
    }
  }

  #onError(message: ErrorMessage): void {
    this.emit('error', FaceStreamError.fromMessage(message));
    // No such camera or no access: retrying cannot help.
    if (message.code === 'NOT_FOUND' || message.code === 'UNAUTHORIZED') this.close();
  }
}
