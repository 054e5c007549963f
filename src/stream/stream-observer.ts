import type { ErrorCode } from '../protocol/errors.js';
import type { DroppedMessage, Timings } from '../protocol/messages.js';

/** What streams report for metrics; implemented by the server's metrics plugin. */
export interface StreamObserver {
  frameReceived(source: 'socket' | 'camera'): void;
  frameDropped(source: 'socket' | 'camera', reason: DroppedMessage['reason']): void;
  frameProcessed(source: 'socket' | 'camera', timings: Timings, faces: number): void;
  frameFailed(source: 'socket' | 'camera', code: ErrorCode): void;
}
