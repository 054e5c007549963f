import { readFileSync } from 'node:fs';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ResultMessageSchema } from '../src/protocol/messages.js';
import { Value } from '@sinclair/typebox/value';
import { dataFile, missingData } from './helpers/data.js';
import { startServer, type TestServer } from './helpers/server.js';
import { StreamClient } from './helpers/stream-client.js';

const LENA = 'face_media/opencv_samples/lena.jpg';
const skipReason = missingData(LENA);
if (skipReason) console.warn(`analyze tests skipped: ${skipReason}`);

describe.skipIf(skipReason)('POST /v1/analyze', () => {
  let server: TestServer;
  let lena: Buffer;
  beforeAll(async () => {
    lena = readFileSync(dataFile(LENA));
    server = await startServer({ maxFrameBytes: 200 * 1024 });
  });
  afterAll(() => server?.close());

  const post = (body: Uint8Array | string | FormData, contentType?: string) =>
    fetch(`${server.httpUrl}/v1/analyze`, {
      method: 'POST',
      body: body instanceof Uint8Array ? new Uint8Array(body) : body,
      headers: contentType ? { 'content-type': contentType } : {},
    });

  it('returns the same per-face result as the stream for a raw JPEG body', async () => {
    const response = await post(lena, 'image/jpeg');
    expect(response.status).toBe(200);
    const result: unknown = await response.json();
    expect(Value.Check(ResultMessageSchema, result)).toBe(true);
    expect(result).toMatchObject({ type: 'result', width: 512, height: 512 });
    expect((result as { faces: unknown[] }).faces).toHaveLength(1);
  });

  it('accepts a multipart upload, and PNG and WebP images', async () => {
    const form = new FormData();
    form.append('image', new Blob([new Uint8Array(lena)], { type: 'image/jpeg' }), 'lena.jpg');
    expect((await post(form)).status).toBe(200);
    for (const [type, bytes] of [['image/png', await sharp(lena).resize(256).png().toBuffer()], ['image/webp', await sharp(lena).webp().toBuffer()]] as const) {
      const response = await post(bytes, type);
      expect(response.status, type).toBe(200);
      expect(((await response.json()) as { faces: unknown[] }).faces).toHaveLength(1);
    }
  });

  it('applies EXIF orientation, reporting boxes in the upright image', async () => {
    const rotated = await sharp(lena).resize(400, 300, { fit: 'fill' }).withMetadata({ orientation: 6 }).jpeg().toBuffer();
    const result = (await (await post(rotated, 'image/jpeg')).json()) as { width: number; height: number };
    expect([result.width, result.height]).toEqual([300, 400]);
  });

  it.each([
    ['garbage bytes', Buffer.from('definitely not an image'), 'image/jpeg', 415, 'UNSUPPORTED_FORMAT'],
    ['an empty body', Buffer.alloc(0), 'image/jpeg', 400, 'BAD_REQUEST'],
    ['plain text', 'hello', 'text/plain', 415, 'UNSUPPORTED_FORMAT'],
    ['a body over the size limit', Buffer.alloc(300 * 1024, 0xff), 'image/jpeg', 413, 'FRAME_TOO_LARGE'],
  ])('answers %s with a clear error', async (_name, body, type, status, code) => {
    const response = await post(body, type);
    expect(response.status).toBe(status);
    expect(await response.json()).toMatchObject({ type: 'error', code });
  });

  it('reports an undecodable JPEG as UNDECODABLE_IMAGE', async () => {
    const response = await post(lena.subarray(0, 1500), 'image/jpeg');
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ code: 'UNDECODABLE_IMAGE' });
  });
});

describe.skipIf(skipReason)('health, metrics and auth', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startServer({ authToken: 'sesame' });
  });
  afterAll(() => server?.close());

  it('reports health with the pool at its configured size', async () => {
    const health = (await (await fetch(`${server.httpUrl}/healthz`)).json()) as { status: string; pool: { threads: number } };
    expect(health.status).toBe('ok');
    expect(health.pool.threads).toBe(server.config.poolSize);
  });

  it('refuses /v1 requests without the token and accepts bearer or query tokens', async () => {
    const lena = new Uint8Array(readFileSync(dataFile(LENA)));
    const url = `${server.httpUrl}/v1/analyze`;
    const headers = { 'content-type': 'image/jpeg' };
    expect((await fetch(url, { method: 'POST', body: lena, headers })).status).toBe(401);
    expect((await fetch(url, { method: 'POST', body: lena, headers: { ...headers, authorization: 'Bearer wrong!' } })).status).toBe(401);
    expect((await fetch(url, { method: 'POST', body: lena, headers: { ...headers, authorization: 'Bearer sesame' } })).status).toBe(200);
    expect((await fetch(`${url}?token=sesame`, { method: 'POST', body: lena, headers })).status).toBe(200);
  });

  it('refuses a stream socket without the token and opens one with ?token=', async () => {
    const wsUrl = server.httpUrl.replace('http', 'ws');
    await expect(StreamClient.connect(`${wsUrl}/v1/stream`)).rejects.toThrow(/401/);
    const client = await StreamClient.connect(`${wsUrl}/v1/stream?token=sesame`);
    client.close();
  });

  it('exposes Prometheus metrics for frames, latency, batches and the pool', async () => {
    const notAnImage = await fetch(`${server.httpUrl}/v1/analyze`, {
      method: 'POST',
      body: new TextEncoder().encode('hello'),
      headers: { 'content-type': 'application/octet-stream', authorization: 'Bearer sesame' },
    });
    expect(notAnImage.status).toBe(415);
    const text = await (await fetch(`${server.httpUrl}/metrics`)).text();
    for (const name of [
      'facestream_frames_failed_total{source="upload",code="UNSUPPORTED_FORMAT"} 1',
      'facestream_frames_received_total{source="upload"} 3',
      'facestream_frames_processed_total{source="upload"} 2',
      'facestream_frame_latency_seconds_bucket',
      'facestream_classifier_batch_size_count',
      'facestream_pool_utilization',
      'facestream_pool_threads',
      'facestream_stream_connections',
    ]) expect(text).toContain(name);
  });
});
