import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, realpath, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { Writable } from 'node:stream';
import websocket from '@fastify/websocket';
import Fastify, { type FastifyInstance } from 'fastify';
import type { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { FacePipeline } from '../src/inference/face-pipeline.js';
import { EMOTION_LABELS, type CameraStateName, type ServerMessage } from '../src/protocol/messages.js';
import camerasPlugin, { socketSubscriber, type CamerasPluginOptions } from '../src/server/cameras-plugin.js';
import { buildApp } from '../src/server/app.js';
import { loadConfig, type Config } from '../src/server/config.js';
import { Metrics } from '../src/server/metrics.js';
import { startServer } from './helpers/server.js';
import { backoffDelay } from '../src/stream/backoff.js';
import { CameraStore } from '../src/stream/camera-store.js';
import { parseCameraUrl, redactCredentials } from '../src/stream/camera-url.js';
import { childProcesses } from './helpers/child-processes.js';

const dataDir = resolve(process.env.FACESTREAM_DATA ?? '../shared/data');
const mediaDir = join(dataDir, 'face_media');
const clip = join(mediaDir, 'video/short_hamilton_clip.mp4');
const fixture = resolve('test/fixtures/rtsp_server.py');
// The model the service would load (FACESTREAM_MODEL_DIR or models/).
const modelDir = loadConfig(process.env).modelDir;

function missing(): string | undefined {
  if (!existsSync(clip)) return `${clip} not found (set FACESTREAM_DATA)`;
  if (spawnSync('ffmpeg', ['-version']).status !== 0) return 'ffmpeg is not on PATH';
  const gst = spawnSync('/usr/bin/python3', ['-c', "import gi; gi.require_version('GstRtspServer', '1.0'); from gi.repository import GstRtspServer"]);
  if (gst.status !== 0) return 'GStreamer RTSP server for python3 (gir1.2-gst-rtsp-server-1.0, python3-gi) is not installed';
  return undefined;
}
const skipReason = missing();
if (skipReason) console.warn(`test/cameras.test.ts skipped: ${skipReason}`);
const modelReason = existsSync(join(modelDir, 'emotion.onnx')) ? undefined : `${join(modelDir, 'emotion.onnx')} not built yet`;
if (!skipReason && modelReason) console.warn(`test/cameras.test.ts: face results test skipped: ${modelReason}`);

const SECRET = 's3cr3t-pw';

/** Short timings so outages, retries and give-ups happen within seconds. */
const testTimings: CamerasPluginOptions['timings'] = {
  stallMs: 3000,
  connectTimeoutMs: 8000,
  backoff: { baseMs: 200, capMs: 1000, floorMs: 100 },
  maxFailures: 3,
  killGraceMs: 1000,
  ioTimeoutMs: 3000,
  previewIntervalMs: 500,
};

interface RtspServer {
  url: string;
  port: number;
  process: ChildProcess;
  stop(): Promise<void>;
}

async function startRtspServer(port = 0, auth?: { user: string; password: string }): Promise<RtspServer> {
  const args = [fixture, '--video', clip, '--port', String(port)];
  if (auth) args.push('--user', auth.user, '--password', auth.password);
  const child = spawn('/usr/bin/python3', args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const url = await new Promise<string>((resolveUrl, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`RTSP server did not start: ${stderr}`)), 15_000);
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const ready = /READY (\S+)/.exec(out);
      if (ready?.[1]) {
        clearTimeout(timer);
        resolveUrl(ready[1]);
      }
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`RTSP server exited with ${code}: ${stderr}`));
    });
  });
  const exited = new Promise<void>((done) => child.on('exit', () => done()));
  return {
    url,
    port: Number(new URL(url).port),
    process: child,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
    },
  };
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((done) => server.close(() => done()));
  return port;
}

/** ffmpeg processes whose parent is this test process, zombies included, as "pid state". */
const ffmpegChildren = (): string[] => childProcesses('ffmpeg').map((child) => `${child.pid} ${child.state}`);

/** A pipeline stand-in that finds no faces instantly: keeps the ingestion tests off the CPU. */
function idlePipeline(): FacePipeline {
  const stub = {
    spec: { labels: [...EMOTION_LABELS] },
    analyze: async () => ({ detections: [], queueMs: 0, detectMs: 0, classifyMs: 0 }),
    stats: () => ({ threads: 0, queued: 0, utilization: 0, queuedFaces: 0 }),
    close: async () => undefined,
  };
  return stub as unknown as FacePipeline;
}

/** The real app (every plugin, its shutdown order) around a stand-in pipeline; default camera timings. */
async function startRealApp(stateDir: string): Promise<TestApp> {
  const config = loadConfig({}, { stateDir, mediaDir, dataDir, modelDir, logLevel: 'silent', poolSize: 1, host: '127.0.0.1', port: 0 });
  const metrics = new Metrics();
  const app = await buildApp(config, { pipeline: idlePipeline(), metrics });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const { port } = app.server.address() as AddressInfo;
  return { app, base: `127.0.0.1:${port}`, logs: [], registry: metrics.registry };
}

interface TestApp {
  app: FastifyInstance;
  base: string;
  logs: string[];
  registry: Registry;
}

/** The cameras plugin alone in a bare fastify, with short timings so outages and retries take seconds. */
async function startApp(stateDir: string, pipeline: FacePipeline): Promise<TestApp> {
  const config: Config = loadConfig({}, { stateDir, mediaDir, dataDir, modelDir, logLevel: 'debug', poolSize: 1 });
  const logs: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      logs.push(chunk.toString());
      done();
    },
  });
  const app = Fastify({ logger: { level: 'debug', stream } });
  const metrics = new Metrics();
  app.decorate('config', config);
  app.decorate('pipeline', pipeline);
  app.decorate('metrics', metrics);
  await app.register(websocket);
  await app.register(camerasPlugin, { timings: testTimings });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const { port } = app.server.address() as AddressInfo;
  return { app, base: `127.0.0.1:${port}`, logs, registry: metrics.registry };
}

async function api(base: string, method: string, path: string, body?: unknown): Promise<{ status: number; json: any }> {
  const init: RequestInit = { method };
  if (body !== undefined) {
    init.body = JSON.stringify(body);
    init.headers = { 'content-type': 'application/json' };
  }
  const response = await fetch(`http://${base}${path}`, init);
  const text = await response.text();
  return { status: response.status, json: text ? JSON.parse(text) : undefined };
}

async function waitFor<T>(what: string, probe: () => Promise<T | undefined> | T | undefined, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function waitForState(base: string, id: string, states: CameraStateName[], timeoutMs?: number): Promise<any> {
  return waitFor(`camera ${id} to be ${states.join('/')}`, async () => {
    const { json } = await api(base, 'GET', `/v1/cameras/${id}`);
    return states.includes(json.state) ? json : undefined;
  }, timeoutMs);
}

/** Collects one camera socket's messages. */
function subscribe(base: string, id: string, query = ''): { socket: WebSocket; messages: ServerMessage[]; closed: Promise<{ code: number; reason: string }> } {
  const socket = new WebSocket(`ws://${base}/v1/cameras/${id}/stream${query}`);
  const messages: ServerMessage[] = [];
  socket.on('message', (data) => messages.push(JSON.parse(String(data)) as ServerMessage));
  const closed = new Promise<{ code: number; reason: string }>((done) =>
    socket.on('close', (code, reason) => done({ code, reason: reason.toString() })),
  );
  return { socket, messages, closed };
}

describe('camera helpers', () => {
  it('redacts user:password@ in URLs and free text', () => {
    expect(redactCredentials('rtsp://admin:pa:ss@10.0.0.2:554/h264')).toBe('rtsp://***@10.0.0.2:554/h264');
    expect(redactCredentials('[rtsp @ 0x1] method DESCRIBE failed: rtsp://u:p@h/x 401')).toBe('[rtsp @ 0x1] method DESCRIBE failed: rtsp://***@h/x 401');
    expect(redactCredentials('rtsp://10.0.0.2/x')).toBe('rtsp://10.0.0.2/x');
  });

  it('skips results and previews for a backed-up subscriber but still sends it state changes', () => {
    const sent: string[] = [];
    const socket = { readyState: 1, OPEN: 1, CONNECTING: 0, bufferedAmount: 0, send: (text: string) => void sent.push(text), close: () => undefined };
    const subscriber = socketSubscriber(socket as unknown as Parameters<typeof socketSubscriber>[0], false, 1000);
    subscriber.send('result-1', true);
    socket.bufferedAmount = 5000;
    subscriber.send('result-2', true);
    subscriber.send('state', false);
    socket.bufferedAmount = 0;
    subscriber.send('result-3', true);
    expect(sent).toEqual(['result-1', 'state', 'result-3']);
  });

  it('keeps file sources inside the media folder, symlinks and .. included', async () => {
    const root = await mkdtemp(join(tmpdir(), 'facestream-media-'));
    const outside = await mkdtemp(join(tmpdir(), 'facestream-outside-'));
    try {
      await mkdir(join(root, 'clips'));
      await writeFile(join(root, 'clips/a.mp4'), 'x');
      await writeFile(join(outside, 'secret.mp4'), 'x');
      await symlink(join(outside, 'secret.mp4'), join(root, 'clips/link.mp4'));
      expect((await parseCameraUrl('clips/a.mp4', root)).url).toBe(join(await realpath(root), 'clips/a.mp4'));
      expect((await parseCameraUrl(`file://${join(root, 'clips/a.mp4')}`, root)).kind).toBe('file');
      await expect(parseCameraUrl('clips/link.mp4', root)).rejects.toThrow(/inside the media folder/);
      await expect(parseCameraUrl('clips/../../' + basename(outside) + '/secret.mp4', root)).rejects.toThrow(/inside the media folder/);
      await expect(parseCameraUrl('clips', root)).rejects.toThrow(/not a regular file/);
    } finally {
      await rm(root, { recursive: true, force: true });
      await rm(outside, { recursive: true, force: true });
    }
  });

  it('replaces the registry file atomically and refuses a corrupt one', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'facestream-store-'));
    try {
      const store = new CameraStore(join(dir, 'state'));
      expect(await store.load()).toEqual([]);
      const camera = { id: 'cam-1', name: 'a', url: 'rtsp://u:p@h/x', targetFps: 5, frameWidth: 640, detectWidth: 320, enabled: true, createdAt: 1 };
      await Promise.all([store.save([camera]), store.save([camera, { ...camera, id: 'cam-2' }])]);
      expect((await store.load()).map((c) => c.id)).toEqual(['cam-1', 'cam-2']);
      expect(await readdir(join(dir, 'state'))).toEqual(['cameras.json']);
      expect((await stat(store.path)).mode & 0o777).toBe(0o600);
      await writeFile(store.path, '{"version":1,"cameras":[{"id":');
      await expect(store.load()).rejects.toThrow(/cameras\.json is not valid JSON/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('backs off exponentially with full jitter inside the cap', () => {
    const options = { baseMs: 1000, capMs: 30_000, floorMs: 250 };
    expect(backoffDelay(1, options, () => 1)).toBe(1000);
    expect(backoffDelay(4, options, () => 1)).toBe(8000);
    expect(backoffDelay(20, options, () => 1)).toBe(30_000);
    expect(backoffDelay(20, options, () => 0)).toBe(250);
  });
});

describe.skipIf(skipReason !== undefined)(`IP cameras over RTSP and files${skipReason ? ` (skipped: ${skipReason})` : ''}`, () => {
  let stateDir: string;
  let rtsp: RtspServer;
  let current: TestApp;

  beforeAll(async () => {
    stateDir = await mkdtemp(join(tmpdir(), 'facestream-cameras-'));
    rtsp = await startRtspServer();
    current = await startApp(stateDir, idlePipeline());
  });

  afterAll(async () => {
    await current?.app.close();
    await rtsp?.stop();
    if (stateDir) await rm(stateDir, { recursive: true, force: true });
  });

  it('rejects bad camera requests with 400/404 and the protocol error shape', async () => {
    const { base } = current;
    const cases: Array<[unknown, RegExp]> = [
      [{ url: 'ftp://example.com/cam' }, /unsupported scheme ftp/],
      [{ url: '/etc/passwd' }, /inside the media folder/],
      [{ url: '../../../../etc/passwd' }, /inside the media folder|not found/],
      [{ url: 'video/../../../etc/hostname' }, /inside the media folder|not found/],
      [{ url: 'video/no-such-clip.mp4' }, /not found/],
      [{ url: 'rtsp://' }, /not a valid URL|no host/],
      [{ name: 'no url' }, /url/],
      [{ url: 'rtsp://h/x', targetFps: 0 }, /targetFps/],
    ];
    for (const [body, message] of cases) {
      const { status, json } = await api(base, 'POST', '/v1/cameras', body);
      expect(status, JSON.stringify(body)).toBe(400);
      expect(json).toMatchObject({ type: 'error', v: 1, code: 'BAD_REQUEST' });
      expect(json.message).toMatch(message);
    }
    for (const [method, body] of [['GET', undefined], ['DELETE', undefined], ['PATCH', { enabled: false }]] as const) {
      const { status, json } = await api(base, method, '/v1/cameras/cam-nope', body);
      expect(status).toBe(404);
      expect(json).toMatchObject({ type: 'error', v: 1, code: 'NOT_FOUND' });
    }
    const refused = await new Promise<number>((done) => {
      new WebSocket(`ws://${base}/v1/cameras/cam-nope/stream`).on('unexpected-response', (_request, response) => done(response.statusCode ?? 0));
    });
    expect(refused).toBe(404);
  });

  it('streams an RTSP camera to any number of subscribers with state and previews, credentials redacted everywhere', async () => {
    const { base, logs, registry } = current;
    const secretUrl = rtsp.url.replace('rtsp://', `rtsp://viewer:${SECRET}@`);
    const created = await api(base, 'POST', '/v1/cameras', { url: secretUrl, name: 'lobby', targetFps: 5, frameWidth: 320, detectWidth: 320 });
    expect(created.status).toBe(201);
    const id: string = created.json.id;
    expect(created.json.url).toBe(rtsp.url.replace('rtsp://', 'rtsp://***@'));

    const plain = subscribe(base, id);
    const withPreview = subscribe(base, id, '?preview=1');
    const live = await waitForState(base, id, ['live']);
    expect(live).toMatchObject({ width: 320, height: 180, kind: 'rtsp' });

    await waitFor('results on both sockets and a preview', () =>
      plain.messages.filter((m) => m.type === 'result').length >= 3
      && withPreview.messages.some((m) => m.type === 'preview') ? true : undefined);
    expect(plain.messages[0]).toMatchObject({ type: 'camera-state', cameraId: id });
    expect(plain.messages.some((m) => m.type === 'camera-state' && m.state === 'live')).toBe(true);
    const result = plain.messages.find((m) => m.type === 'result');
    expect(result).toMatchObject({ type: 'result', cameraId: id, width: 320, height: 180 });
    expect(plain.messages.some((m) => m.type === 'preview')).toBe(false);
    const preview = withPreview.messages.find((m) => m.type === 'preview');
    expect(preview?.type === 'preview' && preview.jpeg.startsWith('data:image/jpeg;base64,/9j/')).toBe(true);

    const listed = await api(base, 'GET', '/v1/cameras');
    const metrics = await registry.metrics();
    const stored = await readFile(join(stateDir, 'cameras.json'), 'utf8');
    for (const text of [JSON.stringify(listed.json), JSON.stringify(plain.messages), metrics, logs.join('')]) {
      expect(text).not.toContain(SECRET);
    }
    expect(JSON.stringify(listed.json)).toContain('***@');
    expect(metrics).toMatch(new RegExp(`facestream_camera_state\\{camera_id="${id}",state="live"\\} 1`));
    expect(metrics).toMatch(new RegExp(`facestream_camera_frames\\{camera_id="${id}"\\} [1-9]`));
    expect(metrics).not.toContain('127.0.0.1');
    expect(stored).toContain(SECRET); // the registry file is the one place the real address lives

    plain.socket.close();
    withPreview.socket.close();
    await api(base, 'DELETE', `/v1/cameras/${id}`);
  });

  it('reports a camera outage as reconnecting and goes live again when the server returns', async () => {
    const { base } = current;
    const { json } = await api(base, 'POST', '/v1/cameras', { url: rtsp.url, name: 'outage' });
    const watcher = subscribe(base, json.id);
    // Default frame width 640: the 640x360 source arrives at full size, never upscaled.
    expect(await waitForState(base, json.id, ['live'])).toMatchObject({ frameWidth: 640, width: 640, height: 360 });
    const port = rtsp.port;
    await rtsp.stop();
    const statesSeen = (): Array<{ state: CameraStateName; reason?: string }> =>
      watcher.messages.flatMap((m) => (m.type === 'camera-state' ? [{ state: m.state, reason: m.reason }] : []));
    const down = await waitFor('the outage to be reported', () =>
      statesSeen().find((s) => s.state === 'reconnecting' || s.state === 'stalled'), 15_000);
    expect(down.reason).toMatch(/stream ended|End of file|Connection|no frame/);
    rtsp = await startRtspServer(port);
    await waitForState(base, json.id, ['live'], 20_000);
    const states = statesSeen().map((s) => s.state);
    expect(states).toContain('reconnecting');
    expect(states.lastIndexOf('live')).toBeGreaterThan(states.indexOf('reconnecting'));
    watcher.socket.close();
    await api(base, 'DELETE', `/v1/cameras/${json.id}`);
  });

  it('restarts a camera whose stream goes silent without closing (stalled)', async () => {
    const { base } = current;
    const { json } = await api(base, 'POST', '/v1/cameras', { url: rtsp.url, name: 'stall' });
    const watcher = subscribe(base, json.id);
    await waitForState(base, json.id, ['live']);
    rtsp.process.kill('SIGSTOP');
    try {
      const stalled = await waitFor('a stalled state', () =>
        watcher.messages.find((m) => m.type === 'camera-state' && m.state === 'stalled'), 15_000);
      expect(stalled.type === 'camera-state' && stalled.reason).toMatch(/^no frame for \d+\.\d s$/);
    } finally {
      rtsp.process.kill('SIGCONT');
    }
    await waitFor('live again', () => {
      const states = watcher.messages.flatMap((m) => (m.type === 'camera-state' ? [m.state] : []));
      return states.lastIndexOf('live') > states.indexOf('stalled') ? true : undefined;
    }, 25_000);
    watcher.socket.close();
    await api(base, 'DELETE', `/v1/cameras/${json.id}`);
  });

  it('gives up on an unreachable camera with a clear failed state and reason', async () => {
    const { base } = current;
    const port = await freePort();
    const { json } = await api(base, 'POST', '/v1/cameras', { url: `rtsp://admin:${SECRET}@127.0.0.1:${port}/nothing` });
    const failed = await waitForState(base, json.id, ['failed'], 20_000);
    expect(failed.reason).toMatch(/Connection refused/);
    expect(failed.reason).toMatch(/gave up after 3 attempts/);
    expect(failed.reason).not.toContain(SECRET);
    await api(base, 'DELETE', `/v1/cameras/${json.id}`);
  });

  it('fails at once when the camera refuses the credentials', async () => {
    const { base } = current;
    const guarded = await startRtspServer(0, { user: 'viewer', password: 'right' });
    try {
      const wrong = guarded.url.replace('rtsp://', `rtsp://viewer:${SECRET}@`);
      const { json } = await api(base, 'POST', '/v1/cameras', { url: wrong });
      const failed = await waitForState(base, json.id, ['failed'], 15_000);
      expect(failed.reason).toMatch(/authentication refused/);
      expect(failed.reason).not.toContain(SECRET);
      expect(failed.restarts).toBe(0);
      await api(base, 'DELETE', `/v1/cameras/${json.id}`);
    } finally {
      await guarded.stop();
    }
  });

  it('stops and reaps ffmpeg on disable and on removal, closing subscribers with a reason', async () => {
    const { base } = current;
    const { json } = await api(base, 'POST', '/v1/cameras', { url: rtsp.url });
    await waitForState(base, json.id, ['live']);
    expect(ffmpegChildren()).toHaveLength(1);

    const disabled = await api(base, 'PATCH', `/v1/cameras/${json.id}`, { enabled: false });
    expect(disabled.json).toMatchObject({ state: 'stopped', reason: 'disabled', enabled: false });
    expect(ffmpegChildren()).toEqual([]);
    await Promise.all([1, 2, 3].map(() => api(base, 'PATCH', `/v1/cameras/${json.id}`, { enabled: true })));
    await waitForState(base, json.id, ['live']);
    expect(ffmpegChildren()).toHaveLength(1);

    const watcher = subscribe(base, json.id);
    await waitFor('the subscriber', () => (watcher.messages.length > 0 ? true : undefined));
    const removed = await api(base, 'DELETE', `/v1/cameras/${json.id}`);
    expect(removed.status).toBe(204);
    expect(ffmpegChildren()).toEqual([]);
    expect(await watcher.closed).toEqual({ code: 1000, reason: 'camera removed' });
    expect((await api(base, 'GET', `/v1/cameras/${json.id}`)).status).toBe(404);
  });

  it('plays a video file like a live camera and keeps cameras across a restart of the real app', async () => {
    await current.app.close();
    const restartDir = await mkdtemp(join(tmpdir(), 'facestream-cameras-restart-'));
    let real = await startRealApp(restartDir);
    try {
      const file = await api(real.base, 'POST', '/v1/cameras', { url: 'video/short_hamilton_clip.mp4', name: 'file', targetFps: 5 });
      expect(file.status).toBe(201);
      // The registry keeps the resolved path (symlinked data folders resolve to their target).
      expect(file.json).toMatchObject({ kind: 'file', url: await realpath(clip) });
      const net = await api(real.base, 'POST', '/v1/cameras', { url: rtsp.url, name: 'net', enabled: false });
      await waitForState(real.base, file.json.id, ['live']);
      const watcher = subscribe(real.base, file.json.id);
      await waitFor('file results', () => (watcher.messages.filter((m) => m.type === 'result').length >= 2 ? true : undefined));

      await real.app.close();
      expect(await watcher.closed).toEqual({ code: 1001, reason: 'server shutting down' });
      expect(watcher.messages.at(-1)).toMatchObject({ type: 'camera-state', state: 'stopped', reason: 'server shutting down' });
      expect(ffmpegChildren()).toEqual([]);

      real = await startRealApp(restartDir);
      const listed = await api(real.base, 'GET', '/v1/cameras');
      const byId = new Map<string, any>(listed.json.cameras.map((camera: any) => [camera.id, camera]));
      expect(byId.get(file.json.id)).toMatchObject({ name: 'file', enabled: true, targetFps: 5 });
      expect(byId.get(net.json.id)).toMatchObject({ name: 'net', enabled: false, state: 'stopped' });
      await waitForState(real.base, file.json.id, ['live']);
    } finally {
      await real.app.close();
      await rm(restartDir, { recursive: true, force: true });
    }
    expect(ffmpegChildren()).toEqual([]);
  });

  it.skipIf(modelReason !== undefined)(`finds faces in the RTSP stream of the hamilton clip${modelReason ? ` (skipped: ${modelReason})` : ''}`, async () => {
    const faceDir = await mkdtemp(join(tmpdir(), 'facestream-cameras-faces-'));
    const server = await startServer({ stateDir: faceDir, mediaDir, modelDir, poolSize: 1 });
    const base = server.httpUrl.replace('http://', '');
    try {
      const { json } = await api(base, 'POST', '/v1/cameras', { url: rtsp.url, targetFps: 5 });
      const watcher = subscribe(base, json.id);
      const result = await waitFor('a result with a face', () =>
        watcher.messages.find((m) => m.type === 'result' && m.faces.length >= 1), 30_000);
      expect(result).toMatchObject({ type: 'result', cameraId: json.id });
      expect(result.type === 'result' && result.faces[0]?.boxNorm.w).toBeGreaterThan(0.05);
      watcher.socket.close();
    } finally {
      await server.close();
      await rm(faceDir, { recursive: true, force: true });
    }
  });
});
