import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { ErrorCode } from '../protocol/errors.js';
import type { DroppedMessage, Timings } from '../protocol/messages.js';
import type { PipelineStats } from '../inference/face-pipeline.js';
import type { FrameSource as Source, StreamObserver } from '../stream/stream-observer.js';

const latencyBuckets = [0.005, 0.01, 0.02, 0.03, 0.05, 0.075, 0.1, 0.15, 0.25, 0.5, 1, 2.5];

/** Prometheus metrics for the whole service, one registry per app instance. */
export class Metrics implements StreamObserver {
  readonly registry = new Registry();
  readonly #received: Counter<'source'>;
  readonly #dropped: Counter<'source' | 'reason'>;
  readonly #processed: Counter<'source'>;
  readonly #failed: Counter<'source' | 'code'>;
  readonly #faces: Counter<'source'>;
  readonly #latency: Histogram<'source'>;
  readonly #stage: Histogram<'stage'>;
  readonly #batchSize: Histogram;
  readonly #batchSeconds: Histogram;
  readonly connections: Gauge;

  constructor() {
    const registers = [this.registry];
    collectDefaultMetrics({ register: this.registry, prefix: 'facestream_' });
    this.#received = new Counter({ name: 'facestream_frames_received_total', help: 'Frames received', labelNames: ['source'], registers });
    this.#dropped = new Counter({ name: 'facestream_frames_dropped_total', help: 'Frames dropped before processing', labelNames: ['source', 'reason'], registers });
    this.#processed = new Counter({ name: 'facestream_frames_processed_total', help: 'Frames processed', labelNames: ['source'], registers });
    this.#failed = new Counter({ name: 'facestream_frames_failed_total', help: 'Frames rejected or failed, by error code', labelNames: ['source', 'code'], registers });
    this.#faces = new Counter({ name: 'facestream_faces_total', help: 'Faces detected and classified', labelNames: ['source'], registers });
    this.#latency = new Histogram({ name: 'facestream_frame_latency_seconds', help: 'Receipt to result', labelNames: ['source'], buckets: latencyBuckets, registers });
    this.#stage = new Histogram({ name: 'facestream_stage_seconds', help: 'Time per pipeline stage', labelNames: ['stage'], buckets: latencyBuckets, registers });
    this.#batchSize = new Histogram({ name: 'facestream_classifier_batch_size', help: 'Faces per classifier call', buckets: [1, 2, 4, 8, 16, 32, 64, 128], registers });
    this.#batchSeconds = new Histogram({ name: 'facestream_classifier_batch_seconds', help: 'Classifier call time', buckets: latencyBuckets, registers });
    this.connections = new Gauge({ name: 'facestream_stream_connections', help: 'Open /v1/stream sockets', registers });
  }

  /** Adds gauges read from the pipeline at scrape time. */
  watchPipeline(stats: () => PipelineStats): void {
    const registers = [this.registry];
    new Gauge({ name: 'facestream_pool_threads', help: 'Detector worker threads', registers, collect() { this.set(stats().threads); } });
    new Gauge({ name: 'facestream_pool_queue', help: 'Frames waiting for a detector worker', registers, collect() { this.set(stats().queued); } });
    new Gauge({ name: 'facestream_pool_utilization', help: 'Share of worker time spent detecting (0..1)', registers, collect() { this.set(stats().utilization); } });
    new Gauge({ name: 'facestream_classifier_queued_faces', help: 'Faces waiting for the classifier', registers, collect() { this.set(stats().queuedFaces); } });
  }

  readonly batch = (size: number, ms: number): void => {
    this.#batchSize.observe(size);
    this.#batchSeconds.observe(ms / 1000);
  };

  frameReceived(source: Source): void {
    this.#received.inc({ source });
  }

  frameDropped(source: Source, reason: DroppedMessage['reason']): void {
    this.#dropped.inc({ source, reason });
  }

  frameProcessed(source: Source, timings: Timings, faces: number): void {
    this.#processed.inc({ source });
    this.#faces.inc({ source }, faces);
    this.#latency.observe({ source }, timings.totalMs / 1000);
    this.#stage.observe({ stage: 'queue' }, timings.queueMs / 1000);
    this.#stage.observe({ stage: 'decode' }, timings.decodeMs / 1000);
    this.#stage.observe({ stage: 'detect' }, timings.detectMs / 1000);
    this.#stage.observe({ stage: 'classify' }, timings.classifyMs / 1000);
  }

  frameFailed(source: Source, code: ErrorCode): void {
    this.#failed.inc({ source, code });
  }
}
