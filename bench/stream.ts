// Real-time stream benchmark. Replays a face clip as webcam clients would (640x480 JPEG at 30 fps
// over /v1/stream on loopback) and prints achieved fps and client-side latency percentiles, then
// the saturated throughput of the service against a naive baseline measured in the same run: the
// seed's loop (full-frame Haar at scale 1.1 / 5 neighbours, then one model call per face, sequential).
// The clip is scaled to fit 640x480 and letterboxed, keeping the faces' aspect ratio.
//   npx tsx bench/stream.ts [--seconds 10] [--streams 1,2,4] [--frames 150]
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import * as ort from 'onnxruntime-node';
import sharp from 'sharp';
import WebSocket from 'ws';
import { encodeFrame } from '../src/protocol/frame-header.js';
import { loadConfig } from '../src/server/config.js';
import { createService } from '../src/server/service.js';
import { loadModelSpec } from '../src/inference/model-spec.js';
import { loadCascade, loadOpenCv } from '../src/inference/opencv.js';

const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '10' },
    streams: { type: 'string', default: '1,2,4' },
    frames: { type: 'string', default: '150' },
    clip: { type: 'string', default: 'face_media/video/short_hamilton_clip.mp4' },
  },
});
const seconds = Number(values.seconds);
const config = loadConfig(process.env, { logLevel: 'warn', host: '127.0.0.1', port: 0 });
const clip = resolve(config.dataDir, values.clip);
if (!existsSync(clip)) {
  console.error(`clip not found: ${clip} (set FACESTREAM_DATA)`);
  process.exit(1);
}

/** The clip as 640x480 JPEGs, the way a browser would grab and encode webcam frames. */
function jpegFrames(count: number): Buffer[] {
  const ffmpeg = config.ffmpegPath || 'ffmpeg';
  const mjpeg = execFileSync(ffmpeg, ['-v', 'error', '-i', clip, '-frames:v', String(count), '-vf', 'scale=640:480:force_original_aspect_ratio=decrease,pad=640:480:(ow-iw)/2:(oh-ih)/2', '-q:v', '5', '-f', 'mjpeg', 'pipe:1'], { maxBuffer: 512 << 20 });
  const frames: Buffer[] = [];
  let start = 0;
  for (let i = 2; i < mjpeg.length - 1; i++) {
    if (mjpeg[i] === 0xff && mjpeg[i + 1] === 0xd8 && mjpeg[i - 2] === 0xff && mjpeg[i - 1] === 0xd9) {
      frames.push(mjpeg.subarray(start, i));
      start = i;
    }
  }
  frames.push(mjpeg.subarray(start));
  return frames;
}

const percentile = (sorted: number[], p: number): number => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
const fmt = (v: number): string => v.toFixed(1).padStart(7);

interface StreamRun {
  results: number;
  dropped: number;
  latencies: number[];
  faces: number;
}

/** One client: sends at `fps` (0 = closed loop, next frame as soon as a result arrives). */
async function runStream(url: string, frames: Buffer[], fps: number, durationMs: number): Promise<StreamRun> {
  const ws = new WebSocket(url);
  await new Promise((r, j) => { ws.once('open', r); ws.once('error', j); });
  const sentAt = new Map<number, number>();
  const run: StreamRun = { results: 0, dropped: 0, latencies: [], faces: 0 };
  let frameId = 0;
  const send = () => {
    frameId++;
    sentAt.set(frameId, performance.now());
    ws.send(encodeFrame({ format: 'jpeg', frameId, captureTs: Date.now(), width: 0, height: 0 }, frames[frameId % frames.length]!));
  };
  const end = performance.now() + durationMs;
  await new Promise<void>((done) => {
    ws.on('message', (data) => {
      const message = JSON.parse(String(data)) as { type: string; frameId: number; faces?: unknown[] };
      if (message.type === 'result') {
        run.results++;
        run.faces += message.faces?.length ?? 0;
        run.latencies.push(performance.now() - sentAt.get(message.frameId)!);
        if (fps === 0 && performance.now() < end) send();
      } else if (message.type === 'dropped') run.dropped++;
      sentAt.delete(message.frameId);
      if (performance.now() >= end) done();
    });
    if (fps === 0) send();
    else {
      const timer = setInterval(() => (performance.now() < end ? send() : clearInterval(timer)), 1000 / fps);
    }
  });
  ws.close();
  return run;
}

async function streamScenario(url: string, frames: Buffer[], streams: number, fps: number) {
  const runs = await Promise.all(Array.from({ length: streams }, () => runStream(url, frames, fps, seconds * 1000)));
  const latencies = runs.flatMap((r) => r.latencies).sort((a, b) => a - b);
  const results = runs.reduce((a, r) => a + r.results, 0);
  return {
    fpsPerStream: results / streams / seconds,
    total: results / seconds,
    dropped: runs.reduce((a, r) => a + r.dropped, 0),
    facesPerFrame: runs.reduce((a, r) => a + r.faces, 0) / Math.max(1, results),
    p50: percentile(latencies, 50), p95: percentile(latencies, 95), p99: percentile(latencies, 99),
  };
}

/** The seed's loop: decode, full-resolution Haar, one model call per face, one frame at a time. */
async function naiveFps(frames: Buffer[]): Promise<number> {
  const { cv } = await loadOpenCv();
  const cascade = loadCascade(cv, readFileSync(join(config.modelDir, 'haarcascade_frontalface_default.xml')), 'bench-cascade.xml');
  const spec = await loadModelSpec(config.modelDir);
  const session = await ort.InferenceSession.create(spec.onnxPath);
  const size = spec.input.size;
  const gray = new cv.Mat();
  const face = new cv.Mat();
  const end = performance.now() + seconds * 1000;
  let done = 0;
  while (performance.now() < end) {
    const { data, info } = await sharp(frames[done % frames.length]!).greyscale().raw().toBuffer({ resolveWithObject: true });
    gray.create(info.height, info.width, cv.CV_8UC1);
    gray.data.set(data);
    const rects = new cv.RectVector();
    cascade.detectMultiScale(gray, rects, 1.1, 5, 0, new cv.Size(30, 30), new cv.Size(0, 0));
    for (let i = 0; i < rects.size(); i++) {
      const roi = gray.roi(rects.get(i));
      cv.resize(roi, face, new cv.Size(size, size), 0, 0, cv.INTER_AREA);
      roi.delete();
      const input = Float32Array.from(face.data, (v) => (v * spec.normalize.scale - spec.normalize.mean) / spec.normalize.std);
      await session.run({ [spec.input.name]: new ort.Tensor('float32', input, [1, 1, size, size]) });
    }
    rects.delete();
    done++;
  }
  await session.release();
  return done / seconds;
}

const frames = jpegFrames(Number(values.frames));
console.log(`facestream stream bench: ${frames.length} JPEG frames 640x480 from ${values.clip}, ${seconds}s per scenario, pool ${config.poolSize} threads, detectWidth ${config.detectWidth}`);
const service = await createService(config);
await service.app.listen({ host: '127.0.0.1', port: 0 });
const url = `ws://127.0.0.1:${(service.app.server.address() as AddressInfo).port}/v1/stream`;

console.log('\nscenario                    streams  fps/stream  total fps  dropped  faces/frame    p50 ms    p95 ms    p99 ms');
for (const streams of values.streams.split(',').map(Number)) {
  const r = await streamScenario(url, frames, streams, 30);
  console.log(`webcam 30 fps               ${String(streams).padStart(7)}  ${fmt(r.fpsPerStream).padStart(10)} ${fmt(r.total).padStart(10)} ${String(r.dropped).padStart(8)} ${r.facesPerFrame.toFixed(2).padStart(12)} ${fmt(r.p50).padStart(9)} ${fmt(r.p95).padStart(9)} ${fmt(r.p99).padStart(9)}`);
}
const saturated = await streamScenario(url, frames, 4, 0);
console.log(`closed loop (saturated)     ${String(4).padStart(7)}  ${fmt(saturated.fpsPerStream).padStart(10)} ${fmt(saturated.total).padStart(10)} ${String(saturated.dropped).padStart(8)} ${saturated.facesPerFrame.toFixed(2).padStart(12)} ${fmt(saturated.p50).padStart(9)} ${fmt(saturated.p95).padStart(9)} ${fmt(saturated.p99).padStart(9)}`);
await service.close();

const naive = await naiveFps(frames);
console.log(`\nnaive baseline (seed loop, same run): ${naive.toFixed(1)} frames/s`);
console.log(`service saturated throughput:         ${saturated.total.toFixed(1)} frames/s`);
console.log(`speed-up: ${(saturated.total / naive).toFixed(2)}x`);
