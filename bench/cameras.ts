// IP-camera capacity benchmark. Registers N file cameras (face clips letterboxed to 640x480 H.264,
// played by ffmpeg at their native rate and looped, so each behaves like a live camera) at 5 fps,
// subscribes to each camera's socket, and measures per camera: result rate, result latency (frame
// read from ffmpeg -> result on the subscriber's socket), drops, and CPU (this process with its
// worker threads, plus the ffmpeg children from /proc). N grows until p95 latency reaches the bound
// or a camera falls below 90% of its frame rate. The ffmpeg column is the ingest-only cost (decode,
// fps filter, scale, pipe) measured in the same run, so the inference share is the node column.
//   npx tsx bench/cameras.ts [--seconds 10] [--fps 5] [--counts 1,2,4,6,8,10,12,14,16] [--p95 250]
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import WebSocket from 'ws';
import { loadConfig } from '../src/server/config.js';
import { createService } from '../src/server/service.js';
import { resolveFfmpegPath } from '../src/stream/ffmpeg-source.js';
import { childProcesses } from '../test/helpers/child-processes.js';

const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '10' },
    fps: { type: 'string', default: '5' },
    counts: { type: 'string', default: '1,2,4,6,8,10,12,14,16' },
    p95: { type: 'string', default: '250' },
    clips: { type: 'string', default: 'face_media/video/short_hamilton_clip.mp4,face_media/video/faces_meeting_720p.mp4' },
  },
});
const seconds = Number(values.seconds);
const fps = Number(values.fps);
const p95Bound = Number(values.p95);
const counts = values.counts.split(',').map(Number);

const work = await mkdtemp(join(tmpdir(), 'facestream-bench-cameras-'));
const config = loadConfig(process.env, { logLevel: 'warn', host: '127.0.0.1', port: 0, stateDir: join(work, 'state'), mediaDir: work });
const ffmpeg = resolveFfmpegPath(config.ffmpegPath);
const clockTicks = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;

/** The face clips as 640x480 H.264 files in the bench's media folder; returns their names. */
function prepareSources(): string[] {
  return values.clips.split(',').map((relative, i) => {
    const clip = resolve(config.dataDir, relative);
    if (!existsSync(clip)) {
      console.error(`clip not found: ${clip} (set FACESTREAM_DATA)`);
      process.exit(1);
    }
    const name = `camera${i}_640x480.mp4`;
    execFileSync(ffmpeg, ['-v', 'error', '-y', '-i', clip, '-vf', 'scale=640:480:force_original_aspect_ratio=decrease,pad=640:480:(ow-iw)/2:(oh-ih)/2,setsar=1', '-an', '-c:v', 'libx264', '-preset', 'veryfast', '-g', '30', '-pix_fmt', 'yuv420p', join(work, name)]);
    return name;
  });
}

/** CPU seconds used so far by ffmpeg processes whose parent is this process. */
const ffmpegCpuSeconds = (): number =>
  childProcesses('ffmpeg').reduce((ticks, child) => ticks + child.cpuTicks, 0) / clockTicks;

const nodeCpuSeconds = (): number => {
  const usage = process.cpuUsage();
  return (usage.user + usage.system) / 1e6;
};

const percentile = (sorted: number[], p: number): number => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;

interface CameraJson { id: string; state: string; dropped: number; processed: number; frames: number }

async function api<T>(base: string, method: string, path: string, body?: unknown): Promise<T> {
  const response = await fetch(`${base}${path}`, {
    method,
    ...(body === undefined ? {} : { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } }),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${text}`);
  return (text ? JSON.parse(text) : undefined) as T;
}

async function waitAllLive(base: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { cameras } = await api<{ cameras: CameraJson[] }>(base, 'GET', '/v1/cameras');
    if (cameras.every((camera) => camera.state === 'live')) return;
    if (Date.now() > deadline) throw new Error(`cameras not live: ${cameras.filter((c) => c.state !== 'live').map((c) => c.state).join(', ')}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

interface Window {
  cameras: number;
  fpsPerCamera: number;
  p50: number;
  p95: number;
  p99: number;
  droppedPerCamera: number;
  facesPerResult: number;
  nodeCorePct: number;
  ffmpegCorePct: number;
}

/** Subscribes to every camera, warms up, then measures one window. */
async function measure(base: string, wsBase: string, ids: string[]): Promise<Window> {
  const latencies: number[] = [];
  let results = 0;
  let faces = 0;
  let measuring = false;
  const sockets = ids.map((id) => {
    const socket = new WebSocket(`${wsBase}/v1/cameras/${id}/stream`);
    socket.on('message', (data) => {
      if (!measuring) return;
      const message = JSON.parse(String(data)) as { type: string; captureTs?: number; faces?: unknown[] };
      if (message.type !== 'result' || message.captureTs === undefined) return;
      latencies.push(Date.now() - message.captureTs);
      results += 1;
      faces += message.faces?.length ?? 0;
    });
    return socket;
  });
  await Promise.all(sockets.map((socket) => new Promise((r) => socket.once('open', r))));
  await new Promise((r) => setTimeout(r, 2000));
  const before = await api<{ cameras: CameraJson[] }>(base, 'GET', '/v1/cameras');
  const node0 = nodeCpuSeconds();
  const ffmpeg0 = ffmpegCpuSeconds();
  const t0 = performance.now();
  measuring = true;
  await new Promise((r) => setTimeout(r, seconds * 1000));
  measuring = false;
  const elapsed = (performance.now() - t0) / 1000;
  const node1 = nodeCpuSeconds();
  const ffmpeg1 = ffmpegCpuSeconds();
  const after = await api<{ cameras: CameraJson[] }>(base, 'GET', '/v1/cameras');
  for (const socket of sockets) socket.close();
  const droppedBefore = before.cameras.reduce((sum, camera) => sum + camera.dropped, 0);
  const droppedAfter = after.cameras.reduce((sum, camera) => sum + camera.dropped, 0);
  latencies.sort((a, b) => a - b);
  const n = ids.length;
  return {
    cameras: n,
    fpsPerCamera: results / n / elapsed,
    p50: percentile(latencies, 50),
    p95: percentile(latencies, 95),
    p99: percentile(latencies, 99),
    droppedPerCamera: (droppedAfter - droppedBefore) / n,
    facesPerResult: faces / Math.max(1, results),
    nodeCorePct: ((node1 - node0) / elapsed / n) * 100,
    ffmpegCorePct: ((ffmpeg1 - ffmpeg0) / elapsed / n) * 100,
  };
}

const sources = prepareSources();
console.log(`facestream camera bench: ${sources.length} clips letterboxed to 640x480 H.264, file cameras at ${fps} fps, detectWidth ${config.detectWidth}, pool ${config.poolSize} threads, ${cpus().length} cores (${cpus()[0]?.model ?? '?'}), load average before start ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
console.log(`pass: p95 latency < ${p95Bound} ms and >= ${(0.9 * fps).toFixed(1)} results/s per camera; latency = frame read from ffmpeg -> result on the subscriber's socket; CPU in % of one core per camera\n`);

const service = await createService(config);
await service.app.listen({ host: '127.0.0.1', port: 0 });
const port = (service.app.server.address() as AddressInfo).port;
const base = `http://127.0.0.1:${port}`;
const wsBase = `ws://127.0.0.1:${port}`;

const header = 'cameras  results/s/cam   p50 ms   p95 ms   p99 ms  drops/cam  faces/result  node %/cam  ffmpeg %/cam  total %/cam  verdict';
console.log(header);
const ids: string[] = [];
let held = 0;
for (const n of counts) {
  while (ids.length < n) {
    const camera = await api<CameraJson>(base, 'POST', '/v1/cameras', { url: sources[ids.length % sources.length], name: `bench-${ids.length}`, targetFps: fps });
    ids.push(camera.id);
  }
  await waitAllLive(base);
  const w = await measure(base, wsBase, ids);
  const pass = w.p95 < p95Bound && w.fpsPerCamera >= 0.9 * fps;
  if (pass) held = n;
  console.log(
    `${String(n).padStart(7)}  ${w.fpsPerCamera.toFixed(2).padStart(13)}  ${w.p50.toFixed(0).padStart(7)}  ${w.p95.toFixed(0).padStart(7)}  ${w.p99.toFixed(0).padStart(7)}  ${w.droppedPerCamera.toFixed(1).padStart(9)}  ${w.facesPerResult.toFixed(2).padStart(12)}  ${w.nodeCorePct.toFixed(1).padStart(10)}  ${w.ffmpegCorePct.toFixed(1).padStart(12)}  ${(w.nodeCorePct + w.ffmpegCorePct).toFixed(1).padStart(11)}  ${pass ? 'ok' : 'FAIL'}`,
  );
  if (!pass) break;
}
console.log(`\nheld ${held} cameras at ${fps} fps with p95 < ${p95Bound} ms (load average now ${loadavg().map((l) => l.toFixed(2)).join(' ')})`);

await service.close();
await rm(work, { recursive: true, force: true });
