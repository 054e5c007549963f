/** Messages between the main thread and the detector workers. */
import type { Box } from '../protocol/messages.js';

export interface DetectorWorkerData {
  cascadePath: string;
}

export interface DetectOptions {
  /** Frames wider than this are downscaled before detection. */
  detectWidth: number;
  /** Histogram equalisation before detection: helps dim frames, doubles Haar time. */
  equalize: boolean;
  scaleFactor: number;
  minNeighbors: number;
  /** Smallest face, in pixels of the downscaled image. */
  minSize: number;
  maxFaces: number;
  /** Side of the square classifier input. */
  size: number;
  crop: { scale: number; offsetY: number };
  normalize: { scale: number; mean: number; std: number };
}

export interface DetectTask {
  /** Grey pixels, row-major, width * height bytes; transferred to the worker. */
  pixels: Uint8Array;
  width: number;
  height: number;
  options: DetectOptions;
}

export interface DetectResult {
  /** Face boxes in source pixels, largest face first. */
  boxes: Box[];
  /** Normalised classifier input, faces * size * size floats. */
  faces: Float32Array;
  detectMs: number;
}
