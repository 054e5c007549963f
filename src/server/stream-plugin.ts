import type { FastifyInstance } from 'fastify';
import type { WebSocket } from 'ws';
import type { ServerMessage } from '../protocol/messages.js';
import { FrameProcessor } from '../stream/frame-processor.js';
import { StreamSession } from '../stream/stream-session.js';
import { frameProcessorOptions } from './stream-options.js';

/** A client that stops reading results is disconnected rather than buffered without bound. */
const MAX_UNSENT_BYTES = 4 * 1024 * 1024;

const toBytes = (data: Buffer | ArrayBuffer | Buffer[]): Uint8Array =>
  Array.isArray(data) ? Buffer.concat(data) : data instanceof ArrayBuffer ? new Uint8Array(data) : data;

/** /v1/stream: binary frames in, one JSON result per processed frame out, on the same socket. */
export default async function streamPlugin(app: FastifyInstance): Promise<void> {
  const { config, metrics } = app;
  const sessions = new Map<WebSocket, StreamSession>();

  app.get('/v1/stream', { websocket: true }, (socket, request) => {
    if (sessions.size >= config.maxConnections) {
      socket.close(1013, 'too many streams, try again later');
      return;
    }
    const send = (message: ServerMessage): void => {
      if (socket.readyState !== socket.OPEN) return;
      if (socket.bufferedAmount > MAX_UNSENT_BYTES) {
        socket.close(1008, 'client is not reading results');
        return;
      }
      socket.send(JSON.stringify(message));
    };
    const session = new StreamSession(new FrameProcessor(app.pipeline, frameProcessorOptions(config)), {
      limits: config,
      observer: metrics,
      send,
    });
    sessions.set(socket, session);
    metrics.connections.inc();
    send(session.hello());

    socket.on('message', (data, isBinary) => session.receive(toBytes(data), isBinary));
    socket.on('error', (error) => request.log.warn({ err: error }, 'stream socket error'));
    socket.on('close', () => {
      sessions.delete(socket);
      metrics.connections.dec();
      void session.close();
    });
  });

  // Finish the frames in progress; the app then closes the sockets with a reason.
  app.onShutdown(async () => {
    await Promise.all([...sessions.values()].map((session) => session.close()));
  });
}
