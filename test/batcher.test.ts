import { describe, expect, it } from 'vitest';
import { FaceBatcher } from '../src/inference/face-batcher.js';
import { OverloadedError } from '../src/inference/errors.js';

/** A fake model whose "probabilities" are each face's first input value, so routing is visible. */
function recordingModel(delayMs = 5) {
  const calls: number[] = [];
  const classify = async (input: Float32Array, count: number) => {
    calls.push(count);
    await new Promise((r) => setTimeout(r, delayMs));
    const out = new Float32Array(count * 2);
    for (let i = 0; i < count; i++) out.set([input[i * 3]!, -input[i * 3]!], i * 2);
    return out;
  };
  return { calls, classify };
}

const faces = (...values: number[]) => Float32Array.from(values.flatMap((v) => [v, 0, 0]));
const options = { maxBatch: 4, maxWaitMs: 10, maxQueued: 10, faceLength: 3, classes: 2 };

describe('FaceBatcher', () => {
  it('batches faces from several frames into one model call and routes results back', async () => {
    const model = recordingModel();
    const batcher = new FaceBatcher(model.classify, options);
    const [a, b] = await Promise.all([batcher.classify(faces(1, 2), 2), batcher.classify(faces(3), 1)]);
    expect(model.calls).toEqual([3]);
    expect(Array.from(a)).toEqual([1, -1, 2, -2]);
    expect(Array.from(b)).toEqual([3, -3]);
  });

  it('never exceeds the max batch and splits a large frame across calls', async () => {
    const model = recordingModel();
    const batcher = new FaceBatcher(model.classify, options);
    const result = await batcher.classify(faces(1, 2, 3, 4, 5, 6), 6);
    expect(model.calls).toEqual([4, 2]);
    expect(Array.from(result).filter((_, i) => i % 2 === 0)).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it('runs a full batch at once without waiting for the timer', async () => {
    const model = recordingModel(0);
    const batcher = new FaceBatcher(model.classify, { ...options, maxWaitMs: 10_000 });
    const started = Date.now();
    await batcher.classify(faces(1, 2, 3, 4), 4);
    expect(Date.now() - started).toBeLessThan(1000);
  });

  it('rejects with OverloadedError when the bounded queue is full', async () => {
    const model = recordingModel(50);
    const batcher = new FaceBatcher(model.classify, { ...options, maxQueued: 3 });
    const running = batcher.classify(faces(1), 1);
    await new Promise((r) => setTimeout(r, 20));
    const waiting = batcher.classify(faces(2, 3, 4), 3);
    await expect(batcher.classify(faces(5), 1)).rejects.toBeInstanceOf(OverloadedError);
    await Promise.all([running, waiting]);
    expect(batcher.queuedFaces).toBe(0);
  });

  it('rejects every waiting frame when the model fails, and keeps working afterwards', async () => {
    let fail = true;
    const batcher = new FaceBatcher(async (input, count) => {
      if (fail) throw new Error('model exploded');
      return new Float32Array(count * 2);
    }, options);
    await expect(batcher.classify(faces(1), 1)).rejects.toThrow('model exploded');
    fail = false;
    expect((await batcher.classify(faces(1), 1)).length).toBe(2);
    expect(batcher.queuedFaces).toBe(0);
  });
});
