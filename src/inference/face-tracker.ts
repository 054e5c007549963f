import type { Box } from '../protocol/messages.js';

export interface TrackerOptions {
  /** Minimum IoU for a detection to continue a track. */
  iouThreshold: number;
  /** Frames a track survives without a match. */
  maxMissed: number;
  /** Weight of the newest scores in the moving average (1 = no smoothing). */
  smoothing: number;
}

export interface Detection {
  box: Box;
  probs: Float32Array;
}

export interface TrackedFace {
  id: number;
  box: Box;
  /** Smoothed probabilities; owned by the tracker, copy before keeping. */
  scores: Float32Array;
}

interface Track extends TrackedFace {
  missed: number;
}

/** Intersection over union of two boxes, 0..1. */
export function iou(a: Box, b: Box): number {
  const ix = Math.max(0, Math.min(a.x + a.w, b.x + b.w) - Math.max(a.x, b.x));
  const iy = Math.max(0, Math.min(a.y + a.h, b.y + b.h) - Math.max(a.y, b.y));
  const inter = ix * iy;
  const union = a.w * a.h + b.w * b.h - inter;
  return union > 0 ? inter / union : 0;
}

/**
 * Per-stream face tracks: greedy IoU matching gives each face a stable id, and an exponential
 * moving average of its scores keeps labels from flickering between frames.
 */
export class FaceTracker {
  readonly #options: TrackerOptions;
  #tracks: Track[] = [];
  #nextId = 1;

  constructor(options: TrackerOptions) {
    this.#options = options;
  }

  update(detections: Detection[]): TrackedFace[] {
    const pairs: { t: number; d: number; score: number }[] = [];
    this.#tracks.forEach((track, t) => {
      detections.forEach((det, d) => {
        const score = iou(track.box, det.box);
        if (score >= this.#options.iouThreshold && score > 0) pairs.push({ t, d, score });
      });
    });
    pairs.sort((a, b) => b.score - a.score);

    const trackOf = new Array<Track | undefined>(detections.length);
    const taken = new Set<number>();
    for (const { t, d } of pairs) {
      if (taken.has(t) || trackOf[d]) continue;
      taken.add(t);
      trackOf[d] = this.#tracks[t];
    }

    const alpha = this.#options.smoothing;
    const faces = detections.map((det, d) => {
      const track = trackOf[d];
      if (!track) {
        const created: Track = { id: this.#nextId++, box: det.box, scores: Float32Array.from(det.probs), missed: 0 };
        this.#tracks.push(created);
        return created;
      }
      track.box = det.box;
      track.missed = 0;
      for (let i = 0; i < track.scores.length; i++) {
        track.scores[i] = alpha * (det.probs[i] as number) + (1 - alpha) * (track.scores[i] as number);
      }
      return track;
    });

    const seen = new Set(faces);
    this.#tracks = this.#tracks.filter((track) => seen.has(track) || ++track.missed <= this.#options.maxMissed);
    return faces.map(({ id, box, scores }) => ({ id, box, scores }));
  }
}
