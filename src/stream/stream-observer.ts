import type { ErrorCode } from '../protocol/errors.js';
import type { DroppedMessage, Timings } from '../protocol/messages.js';

/** Where a frame came from: a /v1/stream socket, a camera, or a /v1/analyze upload. */
export type FrameSource = 'socket' | 'camera' | 'upload';

/** What streams report for metrics; implemented by the server's metrics plugin. */
export interface StreamObserver {
  frameReceived(source: FrameSource): void;
  frameDropped(source: FrameSource, reason: DroppedMessage['reason']): void;
  frameProcessed(source: FrameSource, timings: Timings, faces: number): void;
  frameFailed(source: FrameSource, code: ErrorCode): void;
}
