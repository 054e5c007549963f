import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import {
  backoffDelay,
  FaceStreamError,
  sniffImageFormat,
  StreamClient,
  type ResultMessage,
  type SocketFactory,
  type SocketLike,
} from '../client/sdk/src/index.js';
import { decodeFrame, EMOTION_LABELS, PROTOCOL_VERSION } from '../src/protocol/index.js';
import { loadConfig, type Config } from '../src/server/config.js';
import { createService, type Service } from '../src/server/service.js';
import { dataDir, dataFile, missingData } from './helpers/data.js';

const lenaPath = dataFile('face_media/opencv_samples/lena.jpg');
const skipReason = missingData('face_media/opencv_samples/lena.jpg');
if (skipReason) console.warn(`test/sdk.test.ts ${skipReason}`);

/** Counts frames on the wire and their answers, independently of the SDK's own bookkeeping. */
function countingFactory(): { factory: SocketFactory; maxOutstanding: () => number; framesSent: () => number } {
  let outstanding = 0;
  let max = 0;
  let sent = 0;
  const factory: SocketFactory = (url) => {
    const socket = new WebSocket(url);
    // Registered before the SDK's onmessage, so an answer is counted before it frees a slot.
    socket.addEventListener('message', (event) => {
      const message = JSON.parse(String(event.data)) as { type: string; frameId?: number };
      const answersFrame = message.type === 'result' || message.type === 'dropped' || message.type === 'error';
      if (answersFrame && message.frameId !== undefined) outstanding -= 1;
    });
    const send = socket.send.bind(socket);
    socket.send = ((data: Uint8Array) => {
      sent += 1;
      outstanding += 1;
      max = Math.max(max, outstanding);
      send(data);
    }) as typeof socket.send;
    return socket as unknown as SocketLike;
  };
  return { factory, maxOutstanding: () => max, framesSent: () => sent };
}

/** A socket the test drives by hand: it records frames and the test answers them. */
class ScriptedSocket implements SocketLike {
  binaryType = 'blob';
  readyState = 0;
  bufferedAmount = 0;
  onopen: SocketLike['onopen'] = null;
  onclose: SocketLike['onclose'] = null;
  onerror: SocketLike['onerror'] = null;
  onmessage: SocketLike['onmessage'] = null;
  readonly frameIds: number[] = [];

  send(data: string | ArrayBufferLike | ArrayBufferView): void {
    const frame = decodeFrame(data as Uint8Array);
    if (!frame.ok) throw new Error(`the SDK sent a bad frame: ${frame.problem}`);
    this.frameIds.push(frame.header.frameId);
  }

  close(code = 1000, reason = ''): void {
    this.readyState = 3;
    this.onclose?.({ code, reason });
  }

  open(maxInFlight: number): void {
    this.readyState = 1;
    this.onopen?.({});
    const limits = { maxFrameBytes: 1 << 20, maxWidth: 4096, maxHeight: 4096, maxFps: 60, maxInFlight };
    this.reply({ type: 'hello', v: PROTOCOL_VERSION, labels: [...EMOTION_LABELS], limits });
  }

  answer(frameId: number): void {
    const timings = { queueMs: 0, decodeMs: 0, detectMs: 0, classifyMs: 0, totalMs: 0 };
    this.reply({ type: 'result', v: PROTOCOL_VERSION, frameId, captureTs: Date.now(), receivedTs: Date.now(), sentTs: Date.now(), width: 4, height: 4, faces: [], timings, droppedTotal: 0 });
  }

  reply(message: object): void {
    this.onmessage?.({ data: JSON.stringify(message) });
  }
}

const TINY_JPEG = new Uint8Array([0xff, 0xd8, 0xff, 0xe0, 0, 0]);

describe('SDK logic with a scripted socket', () => {
  it('grows the reconnect delay exponentially up to the cap', () => {
    const noJitter = { initialMs: 100, maxMs: 1000, factor: 2, jitter: 0 };
    expect([1, 2, 3, 4, 5, 6].map((attempt) => backoffDelay(attempt, noJitter))).toEqual([100, 200, 400, 800, 1000, 1000]);
    expect(backoffDelay(3, { ...noJitter, jitter: 0.5 }, () => 0)).toBe(200);
  });

  it('recognises JPEG, PNG and WebP bytes and nothing else', () => {
    expect(sniffImageFormat(TINY_JPEG)).toBe('jpeg');
    expect(sniffImageFormat(new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))).toBe('png');
    expect(sniffImageFormat(new TextEncoder().encode('RIFF\0\0\0\0WEBPVP8 '))).toBe('webp');
    expect(sniffImageFormat(new Uint8Array([1, 2, 3, 4]))).toBeUndefined();
  });

  it('keeps maxInFlight frames out and only the newest one pending, even with answers out of order', async () => {
    const socket = new ScriptedSocket();
    const client = new StreamClient({ url: 'ws://scripted', socketFactory: () => socket, reconnect: false });
    const connected = client.connect();
    socket.open(2);
    await connected;
    const outcomes = [];
    for (let i = 0; i < 6; i++) outcomes.push(await client.send(TINY_JPEG));
    expect(outcomes.map((o) => o.status)).toEqual(['sent', 'sent', 'pending', 'pending', 'pending', 'pending']);
    expect(socket.frameIds).toEqual([1, 2]);
    expect(client.stats).toMatchObject({ sent: 2, droppedLocal: 3, inFlight: 2 });
    socket.answer(2);
    expect(socket.frameIds).toEqual([1, 2, 6]);
    socket.reply({ type: 'dropped', v: PROTOCOL_VERSION, frameId: 1, reason: 'superseded', droppedTotal: 1 });
    socket.answer(6);
    expect(client.stats).toMatchObject({ sent: 3, results: 2, droppedLocal: 3, droppedServer: 1, inFlight: 0 });
    client.close();
  });

  it('fails waiting frames with CONNECTION_LOST when the socket drops, and CLOSED on close()', async () => {
    const socket = new ScriptedSocket();
    const client = new StreamClient({ url: 'ws://scripted', socketFactory: () => socket, reconnect: { initialMs: 60_000 } });
    const connected = client.connect();
    socket.open(1);
    await connected;
    const inFlight = client.analyze(TINY_JPEG);
    const pending = client.analyze(TINY_JPEG);
    await new Promise((r) => setTimeout(r, 0));
    socket.close(1006, 'lost');
    await expect(inFlight).rejects.toMatchObject({ code: 'CONNECTION_LOST' });
    expect(client.state).toBe('reconnecting');
    client.close();
    await expect(pending).rejects.toMatchObject({ code: 'CLOSED' });
    await expect(client.send(TINY_JPEG)).rejects.toMatchObject({ code: 'CLOSED' });
  });

  it('frees a slot whose answer never comes', async () => {
    const socket = new ScriptedSocket();
    const client = new StreamClient({ url: 'ws://scripted', socketFactory: () => socket, reconnect: false, answerTimeoutMs: 50 });
    const connected = client.connect();
    socket.open(1);
    await connected;
    const unanswered = client.analyze(TINY_JPEG);
    await expect(unanswered).rejects.toMatchObject({ code: 'TIMEOUT' });
    expect(client.stats.inFlight).toBe(0);
    client.close();
  });
});

describe.skipIf(skipReason !== undefined)(`SDK against the real server${skipReason ? ` (${skipReason})` : ''}`, () => {
  let stateDir: string;
  let service: Service;
  let port: number;
  let lena: Buffer;

  const start = async (listenPort: number, overrides: Partial<Config> = {}): Promise<Service> => {
    const config: Config = loadConfig(process.env, { port: listenPort, host: '127.0.0.1', logLevel: 'warn', stateDir, dataDir, poolSize: 1, ...overrides });
    const started = await createService(config);
    await started.app.listen({ port: listenPort, host: '127.0.0.1' });
    return started;
  };

  beforeAll(async () => {
    stateDir = await mkdtemp(join(tmpdir(), 'facestream-sdk-'));
    lena = await readFile(lenaPath);
    service = await start(0);
    port = (service.app.server.address() as AddressInfo).port;
  });

  afterAll(async () => {
    await service?.close();
    await rm(stateDir, { recursive: true, force: true });
  });

  const url = (): string => `http://127.0.0.1:${port}`;

  it('connects, sends a JPEG and gets a typed result with a face', async () => {
    const client = new StreamClient({ url: url() });
    try {
      const hello = await client.connect();
      expect(hello.limits.maxInFlight).toBeGreaterThanOrEqual(1);
      const captureTs = Date.now();
      const result: ResultMessage = await client.analyze(lena, { captureTs });
      expect(result.type).toBe('result');
      expect(result.captureTs).toBe(captureTs);
      expect(result.width).toBe(512);
      expect(result.faces.length).toBeGreaterThanOrEqual(1);
      const face = result.faces[0]!;
      expect(hello.labels).toContain(face.emotion);
      expect(face.boxNorm.x).toBeGreaterThanOrEqual(0);
      expect(face.boxNorm.x + face.boxNorm.w).toBeLessThanOrEqual(1.0001);
      expect(Object.values(face.scores).reduce((a, b) => a + b, 0)).toBeCloseTo(1, 2);
      expect(client.stats.results).toBe(1);
    } finally {
      client.close();
    }
  });

  it('sends raw grey frames too', async () => {
    const { data, info } = await sharp(lena).greyscale().raw().toBuffer({ resolveWithObject: true });
    const client = new StreamClient({ url: url() });
    try {
      await client.connect();
      const result = await client.analyze({ gray: new Uint8Array(data), width: info.width, height: info.height });
      expect(result.faces.length).toBeGreaterThanOrEqual(1);
    } finally {
      client.close();
    }
  });

  it('never has more than maxInFlight frames in flight; a flood keeps only the latest frame', async () => {
    const counting = countingFactory();
    const client = new StreamClient({ url: url(), socketFactory: counting.factory });
    try {
      const hello = await client.connect();
      const results: ResultMessage[] = [];
      client.on('result', (r) => results.push(r));
      const outcomes = [];
      for (let i = 0; i < 40; i++) {
        outcomes.push(await client.send(lena));
        expect(client.stats.inFlight).toBeLessThanOrEqual(hello.limits.maxInFlight);
      }
      const last = outcomes.at(-1)!;
      await expect.poll(() => results.some((r) => r.frameId === last.frameId), { timeout: 30_000 }).toBe(true);
      const stats = client.stats;
      expect(counting.maxOutstanding()).toBeLessThanOrEqual(hello.limits.maxInFlight);
      expect(counting.framesSent()).toBe(stats.sent);
      expect(stats.sent + stats.droppedLocal).toBe(40);
      expect(stats.droppedLocal).toBeGreaterThan(0);
      expect(stats.inFlight).toBe(0);
    } finally {
      client.close();
    }
  });

  it('rejects a frame the server cannot decode with a typed error', async () => {
    const client = new StreamClient({ url: url() });
    try {
      await client.connect();
      const notReallyJpeg = new Uint8Array(200).fill(7);
      notReallyJpeg.set([0xff, 0xd8, 0xff]);
      const error = await client.analyze(notReallyJpeg).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(FaceStreamError);
      expect((error as FaceStreamError).code).toBe('UNDECODABLE_IMAGE');
      expect((error as FaceStreamError).fromServer).toBe(true);
      expect((error as FaceStreamError).frameId).toBeTypeOf('number');

      const headerError = new Promise<FaceStreamError>((res) => client.once('error', res));
      expect(client.sendRaw(new Uint8Array(10))).toBe(true);
      expect((await headerError).code).toBe('BAD_FRAME_HEADER');

      await expect(client.send(new Uint8Array([1, 2, 3]))).rejects.toMatchObject({ code: 'BAD_INPUT', fromServer: false });
      // The socket survives bad frames.
      expect((await client.analyze(lena)).faces.length).toBeGreaterThanOrEqual(1);
    } finally {
      client.close();
    }
  });

  it('reconnects with backoff after the server restarts and keeps streaming', async () => {
    const client = new StreamClient({ url: url(), reconnect: { initialMs: 100, maxMs: 1000 } });
    try {
      await client.connect();
      expect((await client.analyze(lena)).faces.length).toBeGreaterThanOrEqual(1);
      const reconnecting = new Promise<{ attempt: number; delayMs: number }>((res) => client.once('reconnecting', res));
      await service.close();
      const attempt = await reconnecting;
      expect(attempt.attempt).toBe(1);
      expect(attempt.delayMs).toBeLessThanOrEqual(100);
      await new Promise((r) => setTimeout(r, 500));
      service = await start(port);
      await new Promise<void>((res) => client.once('hello', () => res()));
      expect(client.stats.reconnects).toBe(1);
      expect((await client.analyze(lena)).faces.length).toBeGreaterThanOrEqual(1);
    } finally {
      client.close();
    }
  });

  it('fails with a typed UNAUTHORIZED error for a wrong token instead of retrying, and works with the right one', async () => {
    const guarded = await start(0, { authToken: 'right-token' });
    const guardedUrl = `http://127.0.0.1:${(guarded.app.server.address() as AddressInfo).port}`;
    const wrong = new StreamClient({ url: guardedUrl, token: 'wrong-token', reconnect: { initialMs: 50 } });
    const right = new StreamClient({ url: guardedUrl, token: 'right-token' });
    try {
      const refused = await wrong.connect().then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(refused).toBeInstanceOf(FaceStreamError);
      expect((refused as FaceStreamError).code).toBe('UNAUTHORIZED');
      expect(wrong.state).toBe('closed');
      await right.connect();
      expect((await right.analyze(lena)).faces.length).toBeGreaterThanOrEqual(1);
    } finally {
      wrong.close();
      right.close();
      await guarded.close();
    }
  });
});
