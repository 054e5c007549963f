import { join } from 'node:path';
import { DetectorPool, type DetectorPoolStats } from './detector-pool.js';
import type { DetectOptions } from './detector-task.js';
import { EmotionClassifier } from './emotion-classifier.js';
import { FaceBatcher } from './face-batcher.js';
import type { Detection } from './face-tracker.js';
import { loadModelSpec, type ModelSpec } from './model-spec.js';

export interface PipelineOptions {
  modelDir: string;
  poolSize: number;
  maxQueuedDetections: number;
  /** Haar cascade XML file inside modelDir. */
  cascadeFile: string;
  maxQueuedFaces: number;
  batchMax: number;
  batchWaitMs: number;
  detect: Omit<DetectOptions, 'size' | 'crop' | 'normalize'>;
  /** Called after every classifier batch, for metrics. */
  onBatch?: (size: number, ms: number) => void;
}

export interface GrayImage {
  data: Uint8Array;
  width: number;
  height: number;
}

export interface Analysis {
  detections: Detection[];
  /** Waiting for a worker plus worker start-up: the part of detect time not spent detecting. */
  queueMs: number;
  detectMs: number;
  classifyMs: number;
}

export interface PipelineStats extends DetectorPoolStats {
  queuedFaces: number;
}

/** Frame in, faces with emotion probabilities out: Haar in the worker pool, then batched ONNX. */
export class FacePipeline {
  readonly spec: ModelSpec;
  readonly #pool: DetectorPool;
  readonly #classifier: EmotionClassifier;
  readonly #batcher: FaceBatcher;
  readonly #detect: DetectOptions;

  private constructor(spec: ModelSpec, pool: DetectorPool, classifier: EmotionClassifier, options: PipelineOptions) {
    this.spec = spec;
    this.#pool = pool;
    this.#classifier = classifier;
    const { size } = spec.input;
    this.#detect = { ...options.detect, size, crop: spec.crop, normalize: spec.normalize };
    this.#batcher = new FaceBatcher(
      (input, count) => classifier.classify(input, count),
      {
        maxBatch: options.batchMax,
        maxWaitMs: options.batchWaitMs,
        maxQueued: options.maxQueuedFaces,
        faceLength: size * size,
        classes: spec.labels.length,
      },
      options.onBatch,
    );
  }

  static async create(options: PipelineOptions): Promise<FacePipeline> {
    const spec = await loadModelSpec(options.modelDir);
    const classifier = await EmotionClassifier.load(spec);
    const pool = new DetectorPool({
      threads: options.poolSize,
      maxQueue: options.maxQueuedDetections,
      cascadePath: join(options.modelDir, options.cascadeFile),
    });
    const pipeline = new FacePipeline(spec, pool, classifier, options);
    await pool.warmUp(pipeline.#detect);
    return pipeline;
  }

  /**
   * Detects and classifies every face. The image's pixel buffer is moved to a worker thread.
   * `detectWidth` overrides the configured detection width for this frame (per camera).
   */
  async analyze(image: GrayImage, detectWidth?: number): Promise<Analysis> {
    const options = detectWidth ? { ...this.#detect, detectWidth } : this.#detect;
    const sent = performance.now();
    const found = await this.#pool.detect(image.data, image.width, image.height, options);
    const queueMs = Math.max(0, performance.now() - sent - found.detectMs);
    const classifyStart = performance.now();
    const count = found.boxes.length;
    const probs = await this.#batcher.classify(found.faces, count);
    const classes = this.spec.labels.length;
    const detections: Detection[] = found.boxes.map((box, f) => ({ box, probs: probs.subarray(f * classes, (f + 1) * classes) }));
    return { detections, queueMs, detectMs: found.detectMs, classifyMs: count ? performance.now() - classifyStart : 0 };
  }

  stats(): PipelineStats {
    return { ...this.#pool.stats(), queuedFaces: this.#batcher.queuedFaces };
  }

  async close(): Promise<void> {
    await this.#pool.close();
    await this.#classifier.close();
  }
}
