import type { FastifyInstance } from 'fastify';
import { FacePipeline } from '../inference/face-pipeline.js';
import { buildApp } from './app.js';
import type { Config } from './config.js';
import { Metrics } from './metrics.js';

export interface Service {
  app: FastifyInstance;
  /** Stops taking work, drains streams and cameras, closes sockets, then frees the pipeline. */
  close(): Promise<void>;
}

/** Loads the model and worker pool and builds the HTTP/WebSocket app around them. */
export async function createService(config: Config): Promise<Service> {
  const metrics = new Metrics();
  const pipeline = await FacePipeline.create({
    modelDir: config.modelDir,
    poolSize: config.poolSize,
    maxQueuedDetections: config.maxQueuedDetections,
    maxQueuedFaces: config.maxQueuedFaces,
    batchMax: config.batchMax,
    batchWaitMs: config.batchWaitMs,
    cascadeFile: config.haarCascade,
    detect: {
      detectWidth: config.detectWidth,
      equalize: config.haarEqualize,
      scaleFactor: config.haarScaleFactor,
      minNeighbors: config.haarMinNeighbors,
      minSize: config.haarMinSize,
      maxFaces: config.maxFacesPerFrame,
    },
    onBatch: metrics.batch,
  });
  const app = await buildApp(config, { pipeline, metrics });
  return {
    app,
    async close() {
      await app.close();
      await pipeline.close();
    },
  };
}
