import * as ort from 'onnxruntime-node';
import type { ModelSpec } from './model-spec.js';

/** One onnxruntime session on the main thread; run() is async and uses ORT's own threads. */
export class EmotionClassifier {
  readonly #session: ort.InferenceSession;
  readonly #spec: ModelSpec;

  private constructor(session: ort.InferenceSession, spec: ModelSpec) {
    this.#session = session;
    this.#spec = spec;
  }

  static async load(spec: ModelSpec, intraOpThreads = 0): Promise<EmotionClassifier> {
    const session = await ort.InferenceSession.create(spec.onnxPath, {
      graphOptimizationLevel: 'all',
      // Spinning intra-op threads burn a core between the small, frequent batches of a live
      // service and starve the detector workers: 1369 vs 318 ms of CPU for 100 batches of 2 faces.
      extra: { session: { intra_op: { allow_spinning: '0' } } },
      ...(intraOpThreads > 0 ? { intraOpNumThreads: intraOpThreads } : {}),
    });
    for (const [names, name] of [[session.inputNames, spec.input.name], [session.outputNames, spec.output.name]] as const) {
      if (!names.includes(name)) throw new Error(`${spec.onnxPath} has no tensor named "${name}" (has ${names.join(', ')})`);
    }
    return new EmotionClassifier(session, spec);
  }

  /** Returns count * labels probabilities for `count` normalised faces packed in `input`. */
  async classify(input: Float32Array, count: number): Promise<Float32Array> {
    const { size, name } = this.#spec.input;
    const tensor = new ort.Tensor('float32', input.subarray(0, count * size * size), [count, 1, size, size]);
    const output = await this.#session.run({ [name]: tensor });
    const probs = output[this.#spec.output.name];
    if (!probs || !(probs.data instanceof Float32Array)) throw new Error('model returned no float32 probabilities');
    return probs.data;
  }

  close(): Promise<void> {
    return this.#session.release();
  }
}
