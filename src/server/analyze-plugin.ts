import multipart from '@fastify/multipart';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { errorMessage } from '../protocol/messages.js';
import { decodeGray, sniffImageFormat } from '../stream/frame-decoder.js';
import { FrameError } from '../stream/frame-error.js';
import { FrameProcessor, nowMs } from '../stream/frame-processor.js';
import { frameProcessorOptions } from './stream-options.js';

const statusOf: Partial<Record<FrameError['code'], number>> = {
  FRAME_TOO_LARGE: 413,
  UNSUPPORTED_FORMAT: 415,
  OVERLOADED: 503,
  INTERNAL: 500,
};

async function imageBytes(request: FastifyRequest): Promise<Buffer> {
  if (!request.isMultipart()) {
    const { body } = request;
    if (body === undefined || body === null || (Buffer.isBuffer(body) && body.length === 0)) {
      throw new FrameError('BAD_REQUEST', 'the request body is empty; send one image');
    }
    if (Buffer.isBuffer(body)) return body;
    throw new FrameError('UNSUPPORTED_FORMAT', 'send the image as image/jpeg, image/png, image/webp, application/octet-stream or multipart/form-data');
  }
  const file = await request.file();
  if (!file) throw new FrameError('BAD_REQUEST', 'multipart body has no file part');
  const bytes = await file.toBuffer();
  if (file.file.truncated) throw new FrameError('FRAME_TOO_LARGE');
  return bytes;
}

/** POST /v1/analyze: one image (raw body or multipart file) in, the same per-face JSON out. */
export default async function analyzePlugin(app: FastifyInstance): Promise<void> {
  const { config } = app;
  await app.register(multipart, { limits: { fileSize: config.maxFrameBytes, files: 1, fields: 10 } });
  app.addContentTypeParser(
    ['image/jpeg', 'image/png', 'image/webp', 'application/octet-stream'],
    { parseAs: 'buffer', bodyLimit: config.maxFrameBytes },
    (_request, body, done) => done(null, body),
  );

  app.post('/v1/analyze', async (request, reply) => {
    const receivedTs = nowMs();
    app.metrics.frameReceived('upload');
    try {
      const bytes = await imageBytes(request);
      const format = sniffImageFormat(bytes);
      if (!format) throw new FrameError('UNSUPPORTED_FORMAT', 'body is not a JPEG, WebP or PNG image');
      const decodeStart = performance.now();
      const image = await decodeGray(format, bytes, 0, 0, config);
      const decodeMs = performance.now() - decodeStart;
      const processor = new FrameProcessor(app.pipeline, frameProcessorOptions(config));
      const result = await processor.process(image, { frameId: 0, captureTs: receivedTs, receivedTs, decodeMs, droppedTotal: 0 });
      app.metrics.frameProcessed('upload', result.timings, result.faces.length);
      return result;
    } catch (error) {
      if (!(error instanceof FrameError)) throw error;
      app.metrics.frameFailed('upload', error.code);
      return reply.code(statusOf[error.code] ?? 400).send(errorMessage(error.code, error.message));
    }
  });
}
