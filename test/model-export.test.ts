import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import * as ort from 'onnxruntime-node';
import { afterAll, describe, expect, it } from 'vitest';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const python = '/usr/bin/python3';
const dataDir = process.env.FACESTREAM_DATA ?? resolve(root, '..', 'shared', 'data');
const pixelsPath = join(dataDir, 'fer2013', 'fer2013_pixels_35887x2304.u8.gz');
const hasData = existsSync(pixelsPath);
const hasTorch =
  existsSync(python) && spawnSync(python, ['-c', 'import torch, onnx, cv2'], { stdio: 'ignore' }).status === 0;
const exportSkip = !hasData
  ? `FER2013 not found under ${dataDir} (set FACESTREAM_DATA)`
  : !hasTorch
    ? `${python} lacks torch/onnx/cv2 (apt-get install python3-torch python3-onnx python3-opencv)`
    : '';
const dataSkip = hasData ? '' : `FER2013 not found under ${dataDir} (set FACESTREAM_DATA)`;
if (exportSkip) console.warn(`model-export: skipping PyTorch parity test: ${exportSkip}`);

interface EmotionJson {
  labels: string[];
  input: { name: string; size: number; channels: number };
  output: { name: string };
  normalize: { scale: number; mean: number; std: number };
  selfCheck?: { privateTestRows: number[]; probs: number[][] };
}

function readFloat32(path: string): Float32Array {
  return new Float32Array(new Uint8Array(readFileSync(path)).buffer);
}

function maxAbsDiff(a: Float32Array, b: ArrayLike<number>): number {
  let max = 0;
  for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs((a[i] ?? NaN) - (b[i] ?? NaN)));
  return max;
}

const tempDirs: string[] = [];
afterAll(() => {
  for (const d of tempDirs) rmSync(d, { recursive: true, force: true });
});

describe('emotion model export', () => {
  it.skipIf(exportSkip !== '')(
    `onnxruntime-node reproduces PyTorch probabilities of a freshly trained tiny model within 1e-4${exportSkip ? ` [skipped: ${exportSkip}]` : ''}`,
    async () => {
      const dir = mkdtempSync(join(tmpdir(), 'facestream-export-'));
      tempDirs.push(dir);
      const run = spawnSync(python, ['training/export_check.py', '--out', dir, '--data', dataDir], {
        cwd: root,
        encoding: 'utf8',
        timeout: 150_000,
        env: { ...process.env, OMP_NUM_THREADS: '2' },
      });
      expect(run.status, run.stderr).toBe(0);
      const meta = JSON.parse(readFileSync(join(dir, 'meta.json'), 'utf8')) as { faces: number; labels: string[] };
      const inputs = readFloat32(join(dir, 'inputs.f32'));
      const expected = readFloat32(join(dir, 'probs.f32'));
      const session = await ort.InferenceSession.create(join(dir, 'emotion.onnx'));
      const out = await session.run({ input: new ort.Tensor('float32', inputs, [meta.faces, 1, 48, 48]) });
      const probs = out.probs;
      expect(probs?.dims).toEqual([meta.faces, meta.labels.length]);
      expect(maxAbsDiff(expected, probs?.data as Float32Array)).toBeLessThan(1e-4);
    },
    180_000,
  );

  it('the committed models/emotion.onnx loads and matches the names and labels in models/emotion.json', async () => {
    const spec = JSON.parse(readFileSync(join(root, 'models', 'emotion.json'), 'utf8')) as EmotionJson;
    const session = await ort.InferenceSession.create(join(root, 'models', 'emotion.onnx'));
    expect(session.inputNames).toEqual([spec.input.name]);
    expect(session.outputNames).toEqual([spec.output.name]);
    const n = 3;
    const size = spec.input.size;
    const x = new Float32Array(n * spec.input.channels * size * size).fill(0.25);
    const out = await session.run({ [spec.input.name]: new ort.Tensor('float32', x, [n, spec.input.channels, size, size]) });
    const probs = out[spec.output.name];
    expect(probs?.dims).toEqual([n, spec.labels.length]);
    const data = probs?.data as Float32Array;
    for (let r = 0; r < n; r++) {
      const sum = data.subarray(r * spec.labels.length, (r + 1) * spec.labels.length).reduce((s, v) => s + v, 0);
      expect(sum).toBeCloseTo(1, 5);
    }
  });

  it.skipIf(dataSkip !== '')(
    `the committed model gives the probabilities recorded in emotion.json for real PrivateTest faces${dataSkip ? ` [skipped: ${dataSkip}]` : ''}`,
    async () => {
      const spec = JSON.parse(readFileSync(join(root, 'models', 'emotion.json'), 'utf8')) as EmotionJson;
      const check = spec.selfCheck;
      expect(check, 'emotion.json has a selfCheck block').toBeDefined();
      if (!check) return;
      const pixels = gunzipSync(readFileSync(pixelsPath));
      const side = spec.input.size;
      const x = new Float32Array(check.privateTestRows.length * side * side);
      check.privateTestRows.forEach((row, i) => {
        for (let p = 0; p < side * side; p++) {
          const v = pixels[row * side * side + p] ?? 0;
          x[i * side * side + p] = (v * spec.normalize.scale - spec.normalize.mean) / spec.normalize.std;
        }
      });
      const session = await ort.InferenceSession.create(join(root, 'models', 'emotion.onnx'));
      const out = await session.run({ [spec.input.name]: new ort.Tensor('float32', x, [check.privateTestRows.length, 1, side, side]) });
      expect(maxAbsDiff(out[spec.output.name]?.data as Float32Array, check.probs.flat())).toBeLessThan(1e-4);
    },
  );
});
