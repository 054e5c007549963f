/** The part of the WebSocket API the SDK uses; both the browser's and `ws`'s implement it. */
export interface SocketLike {
  binaryType: string;
  readonly readyState: number;
  readonly bufferedAmount: number;
  onopen: ((event: unknown) => void) | null;
  onclose: ((event: { code: number; reason: string }) => void) | null;
  onerror: ((event: unknown) => void) | null;
  onmessage: ((event: { data: unknown }) => void) | null;
  send(data: string | ArrayBufferLike | ArrayBufferView): void;
  close(code?: number, reason?: string): void;
}

export type SocketFactory = (url: string) => SocketLike;

export const OPEN = 1;

let nodeFactory: Promise<SocketFactory> | undefined;

/** The global WebSocket when the runtime has one (browsers, Node 22+), else the `ws` package. */
export function defaultSocketFactory(): Promise<SocketFactory> {
  const Global = (globalThis as { WebSocket?: new (url: string) => SocketLike }).WebSocket;
  if (Global) return Promise.resolve((url) => new Global(url));
  nodeFactory ??= import('ws').then(
    (mod) => {
      const WS = mod.default as unknown as new (url: string) => SocketLike;
      return (url: string) => new WS(url);
    },
    (cause: unknown) => {
      nodeFactory = undefined;
      throw new Error('No global WebSocket and the `ws` package is not installed', { cause });
    },
  );
  return nodeFactory;
}

/** Turns http(s)/ws(s) base URLs into the socket URL for `path`, with `?token=` when given. */
export function socketUrl(base: string, path: string, token?: string, query: Record<string, string> = {}): string {
  const url = new URL(path, base.endsWith('/') ? base : `${base}/`);
  if (url.protocol === 'http:') url.protocol = 'ws:';
  else if (url.protocol === 'https:') url.protocol = 'wss:';
  for (const [key, value] of Object.entries(query)) url.searchParams.set(key, value);
  if (token) url.searchParams.set('token', token);
  return url.toString();
}

/** Decodes a text message from either implementation (string in browsers and `ws`, bytes defensively). */
export function messageText(data: unknown): string | undefined {
  if (typeof data === 'string') return data;
  if (data instanceof ArrayBuffer) return new TextDecoder().decode(data);
  if (ArrayBuffer.isView(data)) return new TextDecoder().decode(data);
  return undefined;
}
