import type { Config } from './config.js';
import type { FrameProcessorOptions } from '../stream/frame-processor.js';

/** The tracker and detection settings every stream's FrameProcessor gets from the config. */
export function frameProcessorOptions(config: Config, detectWidth?: number): FrameProcessorOptions {
  const tracker = { iouThreshold: config.trackIou, maxMissed: config.trackMaxMissed, smoothing: config.smoothing };
  return detectWidth === undefined ? { tracker } : { tracker, detectWidth };
}
