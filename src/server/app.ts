import Fastify, { type FastifyError, type FastifyInstance } from 'fastify';
import websocket from '@fastify/websocket';
import { FRAME_HEADER_BYTES } from '../protocol/frame-header.js';
import { errorMessage } from '../protocol/messages.js';
import type { FacePipeline } from '../inference/face-pipeline.js';
import { hasValidToken } from './auth.js';
import type { Config } from './config.js';
import type { Metrics } from './metrics.js';
import analyzePlugin from './analyze-plugin.js';
import healthPlugin from './health-plugin.js';
import streamPlugin from './stream-plugin.js';

declare module 'fastify' {
  interface FastifyInstance {
    config: Config;
    pipeline: FacePipeline;
    metrics: Metrics;
    /** Registers work to finish before sockets close on shutdown (draining streams, stopping cameras). */
    onShutdown(task: () => Promise<void>): void;
  }
}

export interface AppDeps {
  pipeline: FacePipeline;
  metrics: Metrics;
}

/** Maps fastify's own request errors to the protocol's error codes. */
function statusAndCode(error: FastifyError): [number, Parameters<typeof errorMessage>[0]] {
  if (error.validation) return [400, 'BAD_REQUEST'];
  switch (error.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
    case 'FST_REQ_FILE_TOO_LARGE':
      return [413, 'FRAME_TOO_LARGE'];
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return [415, 'UNSUPPORTED_FORMAT'];
    default:
      return error.statusCode && error.statusCode < 500 ? [error.statusCode, 'BAD_REQUEST'] : [500, 'INTERNAL'];
  }
}

export async function buildApp(config: Config, deps: AppDeps): Promise<FastifyInstance> {
  const app = Fastify({
    logger: {
      level: config.logLevel,
      // Camera URLs may carry credentials; never log query strings or auth headers.
      redact: ['req.headers.authorization', 'req.query.token'],
    },
    bodyLimit: config.maxFrameBytes,
  });
  app.decorate('config', config);
  app.decorate('pipeline', deps.pipeline);
  app.decorate('metrics', deps.metrics);
  deps.metrics.watchPipeline(() => deps.pipeline.stats());

  app.setErrorHandler((error: FastifyError, request, reply) => {
    const [status, code] = statusAndCode(error);
    if (status >= 500) request.log.error({ err: error }, 'request failed');
    return reply.code(status).send(errorMessage(code, status >= 500 ? undefined : error.message));
  });
  app.setNotFoundHandler((request, reply) => reply.code(404).send(errorMessage('NOT_FOUND', `no route ${request.method} ${request.url.split('?')[0]}`)));

  // Frames somewhat over the limit still reach the session, which answers FRAME_TOO_LARGE; far
  // larger messages close the socket with 1009 before they are buffered.
  const shutdownTasks: (() => Promise<void>)[] = [];
  app.decorate('onShutdown', (task: () => Promise<void>) => void shutdownTasks.push(task));
  await app.register(websocket, {
    options: { maxPayload: 2 * config.maxFrameBytes + FRAME_HEADER_BYTES },
    // Replaces the plugin's default, which closes sockets at once and without a reason.
    async preClose(this: FastifyInstance) {
      await Promise.all(shutdownTasks.map((task) => task()));
      for (const client of this.websocketServer.clients) client.close(1001, 'server shutting down');
      await new Promise((resolve) => this.websocketServer.close(resolve));
    },
  });
  // After the websocket plugin, whose own onRequest hook must see upgrades it then cleans up.
  if (config.authToken) {
    app.addHook('onRequest', async (request, reply) => {
      if (!request.url.startsWith('/v1/') || hasValidToken(request, config.authToken)) return;
      return reply.code(401).send(errorMessage('UNAUTHORIZED'));
    });
  }

  await app.register(healthPlugin);
  await app.register(streamPlugin);
  await app.register(analyzePlugin);
  await app.register(import('./cameras-plugin.js'));
  await app.register(import('./dashboard-plugin.js'));
  return app;
}
