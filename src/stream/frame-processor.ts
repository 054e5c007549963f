import type { FacePipeline, GrayImage } from '../inference/face-pipeline.js';
import { FaceTracker, type TrackerOptions } from '../inference/face-tracker.js';
import { OverloadedError } from '../inference/errors.js';
import { EMOTION_LABELS, PROTOCOL_VERSION, type Face, type ResultMessage, type Scores } from '../protocol/messages.js';
import { FrameError } from './frame-error.js';

export type { GrayImage } from '../inference/face-pipeline.js';

export interface FrameMeta {
  frameId: number;
  /** Client capture time, ms since the epoch, echoed back. */
  captureTs: number;
  /** When the frame reached the server, ms since the epoch. */
  receivedTs: number;
  decodeMs: number;
  droppedTotal: number;
  cameraId?: string;
}

export interface FrameProcessorOptions {
  tracker: TrackerOptions;
  /** Overrides the pipeline's detection width for this stream. */
  detectWidth?: number;
}

/** Wall-clock ms since the epoch with sub-millisecond resolution. */
export const nowMs = (): number => performance.timeOrigin + performance.now();

const round2 = (v: number): number => Math.round(v * 100) / 100;
const round4 = (v: number): number => Math.round(v * 10000) / 10000;

/** Turns one stream's grey frames into result messages; owns the stream's face tracker. */
export class FrameProcessor {
  readonly #pipeline: FacePipeline;
  readonly #tracker: FaceTracker;
  readonly #detectWidth: number | undefined;

  constructor(pipeline: FacePipeline, options: FrameProcessorOptions) {
    const labels = pipeline.spec.labels;
    if (labels.length !== EMOTION_LABELS.length || labels.some((label, i) => label !== EMOTION_LABELS[i])) {
      throw new Error(`model labels [${labels.join(', ')}] differ from the protocol's [${EMOTION_LABELS.join(', ')}]`);
    }
    this.#pipeline = pipeline;
    this.#tracker = new FaceTracker(options.tracker);
    this.#detectWidth = options.detectWidth;
  }

  /** Processes one frame; its pixel buffer is moved to a worker. Throws FrameError. */
  async process(image: GrayImage, meta: FrameMeta): Promise<ResultMessage> {
    const started = nowMs();
    let analysis;
    try {
      analysis = await this.#pipeline.analyze(image, this.#detectWidth);
    } catch (error) {
      if (error instanceof OverloadedError) throw new FrameError('OVERLOADED', error.message);
      throw new FrameError('INTERNAL', error instanceof Error ? error.message : String(error));
    }
    const { width, height } = image;
    const faces = this.#tracker.update(analysis.detections).map(({ id, box, scores }): Face => {
      let best = 0;
      for (let i = 1; i < scores.length; i++) if ((scores[i] as number) > (scores[best] as number)) best = i;
      const named = Object.fromEntries(EMOTION_LABELS.map((label, i) => [label, round4(scores[i] as number)])) as Scores;
      return {
        id,
        box,
        boxNorm: { x: round4(box.x / width), y: round4(box.y / height), w: round4(box.w / width), h: round4(box.h / height) },
        emotion: EMOTION_LABELS[best] as Face['emotion'],
        confidence: round4(scores[best] as number),
        scores: named,
      };
    });
    const sentTs = nowMs();
    const result: ResultMessage = {
      type: 'result',
      v: PROTOCOL_VERSION,
      frameId: meta.frameId,
      captureTs: meta.captureTs,
      receivedTs: round2(meta.receivedTs),
      sentTs: round2(sentTs),
      width,
      height,
      faces,
      timings: {
        queueMs: round2(Math.max(0, started - meta.receivedTs - meta.decodeMs) + analysis.queueMs),
        decodeMs: round2(meta.decodeMs),
        detectMs: round2(analysis.detectMs),
        classifyMs: round2(analysis.classifyMs),
        totalMs: round2(sentTs - meta.receivedTs),
      },
      droppedTotal: meta.droppedTotal,
    };
    if (meta.cameraId !== undefined) result.cameraId = meta.cameraId;
    return result;
  }
}
