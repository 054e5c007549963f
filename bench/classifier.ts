// Emotion classifier throughput: models/emotion.onnx in onnxruntime-node on the main thread (CPU).
// Prints faces/s and per-call latency at batch 1, 8 and 32, for 1 intra-op thread (the baseline)
// and for the configured thread count (default 2: the CI machine's cores). --model benches another
// graph with the same input contract (training/arch_study.py uses it to compare architectures).
//   npx tsx bench/classifier.ts [--threads 2] [--seconds 3] [--model models/emotion.onnx]
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { gunzipSync } from 'node:zlib';
import * as ort from 'onnxruntime-node';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const { values } = parseArgs({
  options: {
    threads: { type: 'string', default: '2' },
    seconds: { type: 'string', default: '3' },
    model: { type: 'string', default: join(root, 'models', 'emotion.onnx') },
  },
});
const modelPath = resolve(values.model);
const threads = Number(values.threads);
const seconds = Number(values.seconds);
const batches = [1, 8, 32];

interface Spec {
  input: { name: string; size: number };
  output: { name: string };
  normalize: { scale: number; mean: number; std: number };
}
const spec = JSON.parse(readFileSync(join(root, 'models', 'emotion.json'), 'utf8')) as Spec;
const side = spec.input.size;

// Real FER faces when the shared data is present (PrivateTest rows), else a fixed pattern:
// the network's cost does not depend on pixel values, but real faces make the run representative.
function faces(count: number): { x: Float32Array; source: string } {
  const dataDir = process.env.FACESTREAM_DATA ?? resolve(root, '..', 'shared', 'data');
  const path = join(dataDir, 'fer2013', 'fer2013_pixels_35887x2304.u8.gz');
  const x = new Float32Array(count * side * side);
  const { scale, mean, std } = spec.normalize;
  if (existsSync(path)) {
    const pixels = gunzipSync(readFileSync(path));
    const first = 32298;
    for (let i = 0; i < x.length; i++) x[i] = ((pixels[first * side * side + i] ?? 0) * scale - mean) / std;
    return { x, source: 'FER2013 PrivateTest faces' };
  }
  for (let i = 0; i < x.length; i++) x[i] = (((i * 37) % 256) * scale - mean) / std;
  return { x, source: 'synthetic pattern (FER2013 not found)' };
}

interface Row {
  threads: number;
  batch: number;
  facesPerSecond: number;
  p50ms: number;
  p95ms: number;
}

async function measure(session: ort.InferenceSession, input: Float32Array, batch: number, nThreads: number): Promise<Row> {
  const tensor = new ort.Tensor('float32', input.subarray(0, batch * side * side), [batch, 1, side, side]);
  const feeds = { [spec.input.name]: tensor };
  for (let i = 0; i < 10; i++) await session.run(feeds);
  const times: number[] = [];
  const start = performance.now();
  while (performance.now() - start < seconds * 1000) {
    const t = performance.now();
    await session.run(feeds);
    times.push(performance.now() - t);
  }
  const total = (performance.now() - start) / 1000;
  times.sort((a, b) => a - b);
  const pick = (q: number): number => times[Math.min(times.length - 1, Math.floor(q * times.length))] ?? NaN;
  return { threads: nThreads, batch, facesPerSecond: (times.length * batch) / total, p50ms: pick(0.5), p95ms: pick(0.95) };
}

const { x: input, source } = faces(Math.max(...batches));
const rows: Row[] = [];
for (const nThreads of [...new Set([1, threads])]) {
  const session = await ort.InferenceSession.create(modelPath, {
    executionProviders: ['cpu'],
    intraOpNumThreads: nThreads,
    interOpNumThreads: 1,
    executionMode: 'sequential',
    graphOptimizationLevel: 'all',
  });
  for (const batch of batches) rows.push(await measure(session, input, batch, nThreads));
  await session.release();
}

console.log(`${relative(root, modelPath)}, onnxruntime-node ${ort.env.versions.common}, ${seconds}s per row, main thread, input: ${source}`);
console.log('threads  batch   faces/s   p50 ms   p95 ms');
for (const r of rows) {
  console.log(
    `${String(r.threads).padStart(7)}  ${String(r.batch).padStart(5)}  ${r.facesPerSecond.toFixed(0).padStart(8)}  ${r.p50ms.toFixed(2).padStart(7)}  ${r.p95ms.toFixed(2).padStart(7)}`,
  );
}
const target = rows.find((r) => r.threads === threads && r.batch === 32);
if (target) console.log(`batch 32 with ${threads} threads: ${target.facesPerSecond.toFixed(0)} faces/s (target >= 1500)`);
