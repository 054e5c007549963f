import { readFileSync } from 'node:fs';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FRAME_HEADER_BYTES, encodeFrame } from '../src/protocol/frame-header.js';
import type { ErrorMessage, ResultMessage, ServerMessage } from '../src/protocol/messages.js';
import { dataFile, missingData } from './helpers/data.js';
import { startServer, type TestServer } from './helpers/server.js';
import { StreamClient } from './helpers/stream-client.js';

const LENA = 'face_media/opencv_samples/lena.jpg';
const skipReason = missingData(LENA);
if (skipReason) console.warn(`stream tests skipped: ${skipReason}`);

const isResult = (m: ServerMessage): m is ResultMessage => m.type === 'result';
const isError = (m: ServerMessage): m is ErrorMessage => m.type === 'error';
const resultFor = (id: number) => (m: ServerMessage): m is ResultMessage => isResult(m) && m.frameId === id;
const errorFor = (id: number) => (m: ServerMessage): m is ErrorMessage => isError(m) && m.frameId === id;

describe.skipIf(skipReason)('/v1/stream with a real server and client', () => {
  let server: TestServer;
  let lena: Buffer;
  const clients: StreamClient[] = [];
  const connect = async () => {
    const client = await StreamClient.connect(`${server.wsUrl}/v1/stream`);
    clients.push(client);
    return client;
  };

  beforeAll(async () => {
    lena = readFileSync(dataFile(LENA));
    server = await startServer({ maxFrameBytes: 256 * 1024, maxFps: 200 });
  });
  afterAll(async () => {
    for (const client of clients) client.close();
    await server?.close();
  });

  it('greets with the labels and limits', async () => {
    const client = await connect();
    const hello = client.messages[0];
    expect(hello).toMatchObject({ type: 'hello', v: 1, labels: ['angry', 'disgust', 'fear', 'happy', 'sad', 'surprise', 'neutral'] });
    expect(hello?.type === 'hello' && hello.limits.maxFrameBytes).toBe(256 * 1024);
  });

  it('finds the face in a real JPEG and returns 7 scores summing to 1, echoing id and timestamp', async () => {
    const client = await connect();
    client.sendFrame({ frameId: 7, captureTs: 1234.5 }, lena);
    const result = await client.waitFor(resultFor(7));
    expect(result.captureTs).toBe(1234.5);
    expect([result.width, result.height]).toEqual([512, 512]);
    expect(result.faces).toHaveLength(1);
    const [face] = result.faces;
    // Lena's face spans roughly x 215..390, y 200..390 in the 512x512 picture.
    const cx = face!.box.x + face!.box.w / 2;
    const cy = face!.box.y + face!.box.h / 2;
    expect(cx).toBeGreaterThan(250);
    expect(cx).toBeLessThan(350);
    expect(cy).toBeGreaterThan(230);
    expect(cy).toBeLessThan(350);
    expect(face!.box.w).toBeGreaterThan(100);
    expect(face!.boxNorm.x).toBeCloseTo(face!.box.x / 512, 3);
    const scores = Object.values(face!.scores);
    expect(scores).toHaveLength(7);
    expect(scores.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 2);
    expect(face!.confidence).toBe(Math.max(...scores));
    expect(face!.scores[face!.emotion]).toBe(face!.confidence);
    for (const key of ['queueMs', 'decodeMs', 'detectMs', 'classifyMs', 'totalMs'] as const) {
      expect(result.timings[key]).toBeGreaterThanOrEqual(0);
    }
  });

  it('accepts raw grey frames with dimensions in the header', async () => {
    const { data, info } = await sharp(lena).greyscale().raw().toBuffer({ resolveWithObject: true });
    const client = await connect();
    client.sendFrame({ frameId: 1, format: 'gray8', width: info.width, height: info.height }, data);
    const result = await client.waitFor(resultFor(1));
    expect(result.faces).toHaveLength(1);
  });

  it('keeps one track id for the same face across frames', async () => {
    const client = await connect();
    const ids: number[] = [];
    for (let frameId = 1; frameId <= 4; frameId++) {
      client.sendFrame({ frameId }, lena);
      ids.push(...(await client.waitFor(resultFor(frameId))).faces.map((f) => f.id));
    }
    expect(ids).toEqual([ids[0], ids[0], ids[0], ids[0]]);
  });

  it('drops superseded frames under a flood, reports them, and answers in frame-id order', async () => {
    const client = await connect();
    const count = 40;
    for (let frameId = 1; frameId <= count; frameId++) client.sendFrame({ frameId }, lena);
    await client.waitFor(resultFor(count), 60_000);
    const results = client.messages.filter(isResult).map((m) => m.frameId);
    const dropped = client.messages.filter((m) => m.type === 'dropped');
    expect(results.length + dropped.length).toBe(count);
    expect(dropped.length).toBeGreaterThan(0);
    expect(dropped.every((m) => m.type === 'dropped' && m.reason === 'superseded')).toBe(true);
    expect(results).toEqual([...results].sort((a, b) => a - b));
    const last = client.messages.filter(isResult).at(-1)!;
    expect(last.droppedTotal).toBe(dropped.length);
  });

  describe('bad input gets a clear error and the connection keeps working', () => {
    const header = (frameId: number) => encodeFrame({ format: 'jpeg', frameId, captureTs: 1, width: 0, height: 0 }, new Uint8Array());
    const cases: [string, (frameId: number) => Uint8Array | string, ErrorMessage['code']][] = [
      ['garbage bytes', () => new Uint8Array([1, 2, 3, 4, 5]), 'BAD_FRAME_HEADER'],
      ['wrong magic', (id) => { const b = encodeFrame({ format: 'jpeg', frameId: id, captureTs: 1, width: 0, height: 0 }, new Uint8Array(30)); b[0] = 0x58; return b; }, 'BAD_FRAME_HEADER'],
      ['unknown header version', (id) => { const b = header(id); b[4] = 9; return b; }, 'BAD_FRAME_HEADER'],
      ['unknown format code', (id) => { const b = header(id); b[5] = 77; return b; }, 'BAD_FRAME_HEADER'],
      ['grey frame with zero dimensions', (id) => encodeFrame({ format: 'gray8', frameId: id, captureTs: 1, width: 0, height: 0 }, new Uint8Array(10)), 'BAD_DIMENSIONS'],
      ['grey frame with huge dimensions', (id) => encodeFrame({ format: 'gray8', frameId: id, captureTs: 1, width: 65535, height: 65535 }, new Uint8Array(10)), 'BAD_DIMENSIONS'],
      ['grey frame whose payload does not match', (id) => encodeFrame({ format: 'gray8', frameId: id, captureTs: 1, width: 100, height: 100 }, new Uint8Array(99)), 'BAD_DIMENSIONS'],
      ['JPEG header with garbage payload', (id) => encodeFrame({ format: 'jpeg', frameId: id, captureTs: 1, width: 0, height: 0 }, new Uint8Array(500).fill(7)), 'UNDECODABLE_IMAGE'],
      ['truncated JPEG', (id) => encodeFrame({ format: 'jpeg', frameId: id, captureTs: 1, width: 0, height: 0 }, lena.subarray(0, 2000)), 'UNDECODABLE_IMAGE'],
      ['PNG payload labelled WebP', (id) => encodeFrame({ format: 'webp', frameId: id, captureTs: 1, width: 0, height: 0 }, Buffer.from('89504e470d0a1a0a0000', 'hex')), 'UNSUPPORTED_FORMAT'],
      ['frame over the size limit', (id) => encodeFrame({ format: 'jpeg', frameId: id, captureTs: 1, width: 0, height: 0 }, new Uint8Array(300 * 1024)), 'FRAME_TOO_LARGE'],
      ['text instead of binary', () => '{"hello":1}', 'EXPECTED_BINARY'],
    ];

    it.each(cases)('%s', async (_name, make, code) => {
      const client = await connect();
      const frameId = 100;
      client.ws.send(make(frameId));
      const error = await client.waitFor(isError);
      expect(error.code).toBe(code);
      expect(error.message.length).toBeGreaterThan(10);
      client.sendFrame({ frameId: 101 }, lena);
      expect((await client.waitFor(resultFor(101))).faces).toHaveLength(1);
    });

    it('closes a socket whose message is far beyond the limit (1009), and other clients carry on', async () => {
      const other = await connect();
      const client = await connect();
      client.ws.send(new Uint8Array(2 * 256 * 1024 + FRAME_HEADER_BYTES + 1));
      expect((await client.waitForClose()).code).toBe(1009);
      other.sendFrame({ frameId: 5 }, lena);
      expect((await other.waitFor(resultFor(5))).faces).toHaveLength(1);
    });
  });

  it('rate-limits a stream that sends too many frames per second, with RATE_LIMITED errors', async () => {
    const limited = await startServer({ maxFps: 3 });
    try {
      const client = await StreamClient.connect(`${limited.wsUrl}/v1/stream`);
      for (let frameId = 1; frameId <= 10; frameId++) client.sendFrame({ frameId }, lena);
      const error = await client.waitFor((m) => isError(m) && m.code === 'RATE_LIMITED');
      expect(error).toMatchObject({ code: 'RATE_LIMITED' });
      await client.waitFor((m) => m.type === 'dropped' && m.reason === 'rate-limited');
      client.close();
    } finally {
      await limited.close();
    }
  });

  it('a slow stream does not hold up another stream', async () => {
    const flooding = await connect();
    const quiet = await connect();
    for (let frameId = 1; frameId <= 30; frameId++) flooding.sendFrame({ frameId }, lena);
    const started = Date.now();
    quiet.sendFrame({ frameId: 1 }, lena);
    await quiet.waitFor(resultFor(1));
    // The flood can delay the quiet stream by at most its own one running and one waiting frame.
    expect(Date.now() - started).toBeLessThan(5_000);
    await flooding.waitFor(resultFor(30), 60_000);
  });

  it('turns away streams beyond the connection limit with 1013', async () => {
    const small = await startServer({ maxConnections: 1 });
    try {
      const first = await StreamClient.connect(`${small.wsUrl}/v1/stream`);
      await expect(StreamClient.connect(`${small.wsUrl}/v1/stream`)).rejects.toThrow(/1013/);
      first.sendFrame({ frameId: 1 }, lena);
      expect((await first.waitFor(resultFor(1))).faces).toHaveLength(1);
      first.close();
    } finally {
      await small.close();
    }
  });

  it('closes streams with 1001 and a reason on shutdown, after finishing the frame in progress', async () => {
    const own = await startServer();
    const client = await StreamClient.connect(`${own.wsUrl}/v1/stream`);
    client.sendFrame({ frameId: 1 }, lena);
    await new Promise((r) => setTimeout(r, 5));
    await own.close();
    const closed = await client.waitForClose();
    expect(closed).toEqual({ code: 1001, reason: 'server shutting down' });
    expect(client.messages.some((m) => isResult(m) || m.type === 'dropped' || isError(m))).toBe(true);
  });
});
