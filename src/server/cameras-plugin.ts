import { Type, type Static } from '@sinclair/typebox';
import type { FastifyError, FastifyPluginAsync } from 'fastify';
import { Gauge, type Registry } from 'prom-client';
import type { WebSocket } from '@fastify/websocket';
import { CameraStateNames, errorMessage } from '../protocol/messages.js';
import { CameraError, CameraManager } from '../stream/camera-manager.js';
import { frameProcessorOptions } from './stream-options.js';
import { DEFAULT_CAMERA_TIMINGS, type CameraSubscriber, type CameraTimings } from '../stream/camera-runner.js';
import { resolveFfmpegPath } from '../stream/ffmpeg-source.js';
import { FrameProcessor } from '../stream/frame-processor.js';

export interface CamerasPluginOptions {
  /** Stall, connect, backoff and kill timings; tests shorten them. */
  timings?: Partial<CameraTimings>;
  maxCameras?: number;
  /** Default frames per second for new cameras. */
  defaultFps?: number;
  /** Default largest frame width for new cameras (640). */
  defaultFrameWidth?: number;
  /** A subscriber whose socket holds more unsent bytes than this misses results and previews until it drains. */
  maxBufferedBytes?: number;
}

const IdParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 64 }) });
const Fps = Type.Number({ exclusiveMinimum: 0, maximum: 60 });
const DetectWidth = Type.Integer({ minimum: 80, maximum: 1920, description: 'width frames are downscaled to for face detection' });
const FrameWidth = Type.Integer({ minimum: 80, maximum: 1920, description: 'largest width of the analysed frames (no upscaling); faces are cropped from these' });

const NewCameraBody = Type.Object(
  {
    url: Type.String({ minLength: 1, maxLength: 4096, description: 'rtsp://, rtsps://, http(s):// or a file under the media folder' }),
    name: Type.Optional(Type.String({ maxLength: 200 })),
    targetFps: Type.Optional(Fps),
    frameWidth: Type.Optional(FrameWidth),
    detectWidth: Type.Optional(DetectWidth),
    enabled: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);

const PatchCameraBody = Type.Object(
  {
    url: Type.Optional(Type.String({ minLength: 1, maxLength: 4096 })),
    name: Type.Optional(Type.String({ maxLength: 200 })),
    targetFps: Type.Optional(Fps),
    frameWidth: Type.Optional(FrameWidth),
    detectWidth: Type.Optional(DetectWidth),
    enabled: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false, minProperties: 1 },
);

/** The response shape; serialisation drops anything not listed here, the real URL included. */
const CameraView = Type.Object({
  id: Type.String(),
  name: Type.String(),
  url: Type.String({ description: 'address with credentials replaced by ***' }),
  kind: Type.Union([Type.Literal('rtsp'), Type.Literal('http'), Type.Literal('file')]),
  targetFps: Type.Number(),
  frameWidth: Type.Integer(),
  detectWidth: Type.Integer(),
  enabled: Type.Boolean(),
  createdAt: Type.Number(),
  state: Type.Union(CameraStateNames.map((name) => Type.Literal(name))),
  reason: Type.Optional(Type.String()),
  since: Type.Number(),
  frames: Type.Integer(),
  processed: Type.Integer(),
  dropped: Type.Integer(),
  errors: Type.Integer(),
  restarts: Type.Integer(),
  width: Type.Optional(Type.Integer()),
  height: Type.Optional(Type.Integer()),
  lastFrameTs: Type.Optional(Type.Number()),
  subscribers: Type.Integer(),
});

const ErrorBody = Type.Object({
  type: Type.Literal('error'),
  v: Type.Integer(),
  code: Type.String(),
  message: Type.String(),
});

const StreamQuery = Type.Object({
  preview: Type.Optional(Type.Union([Type.Literal('1'), Type.Literal('0'), Type.Literal('true'), Type.Literal('false')])),
  token: Type.Optional(Type.String()),
});

const errors = { 400: ErrorBody, 404: ErrorBody };

/**
 * IP cameras and video files as live sources: the `/v1/cameras` registry (persisted in the state
 * folder), one ffmpeg per camera feeding the shared face pipeline, and `/v1/cameras/:id/stream`
 * sockets that receive each camera's results and state changes.
 */
const camerasPlugin: FastifyPluginAsync<CamerasPluginOptions> = async (app, options) => {
  const { config, pipeline, metrics } = app;
  const timings: CameraTimings = {
    ...DEFAULT_CAMERA_TIMINGS,
    stallMs: config.cameraStallMs,
    connectTimeoutMs: config.cameraConnectTimeoutMs,
    maxFailures: config.cameraMaxFailures,
    ...options.timings,
    backoff: { ...DEFAULT_CAMERA_TIMINGS.backoff, capMs: config.cameraBackoffMaxMs, ...options.timings?.backoff },
  };
  const maxBufferedBytes = options.maxBufferedBytes ?? 1024 * 1024;
  const manager = await CameraManager.open({
    stateDir: config.stateDir,
    mediaDir: config.mediaDir,
    ffmpegPath: ffmpegPathOrName(config.ffmpegPath, app.log),
    defaults: { targetFps: options.defaultFps ?? 5, frameWidth: options.defaultFrameWidth ?? 640, detectWidth: config.detectWidth },
    maxCameras: options.maxCameras ?? config.maxCameras,
    timings,
    log: app.log,
    observer: metrics,
    createAnalyzer: (record) =>
      new FrameProcessor(pipeline, frameProcessorOptions(config, record.detectWidth)),
  });
  registerCameraMetrics(metrics.registry, manager);

  // Cameras stop and their sockets close with a reason before the app closes the remaining sockets;
  // onClose is the backstop for apps without that shutdown step (close() is idempotent).
  if (app.hasDecorator('onShutdown')) app.onShutdown(() => manager.close());
  app.addHook('onClose', async () => {
    await manager.close();
  });

  app.setErrorHandler((error: FastifyError, request, reply) => {
    if (error instanceof CameraError) {
      return reply.code(error.code === 'NOT_FOUND' ? 404 : 400).send(errorMessage(error.code, error.message));
    }
    const status = error.statusCode ?? 500;
    if (error.validation || (status >= 400 && status < 500)) {
      return reply.code(error.validation ? 400 : status).send(errorMessage('BAD_REQUEST', error.message));
    }
    request.log.error({ err: error }, 'camera request failed');
    return reply.code(500).send(errorMessage('INTERNAL', 'internal error'));
  });

  app.get('/v1/cameras', { schema: { response: { 200: Type.Object({ cameras: Type.Array(CameraView) }) } } }, async () => ({
    cameras: manager.list(),
  }));

  app.post<{ Body: Static<typeof NewCameraBody> }>(
    '/v1/cameras',
    { schema: { body: NewCameraBody, response: { 201: CameraView, ...errors } } },
    async (request, reply) => reply.code(201).send(await manager.add(request.body)),
  );

  app.get<{ Params: Static<typeof IdParams> }>(
    '/v1/cameras/:id',
    { schema: { params: IdParams, response: { 200: CameraView, ...errors } } },
    async (request) => manager.get(request.params.id),
  );

  app.patch<{ Params: Static<typeof IdParams>; Body: Static<typeof PatchCameraBody> }>(
    '/v1/cameras/:id',
    { schema: { params: IdParams, body: PatchCameraBody, response: { 200: CameraView, ...errors } } },
    async (request) => manager.update(request.params.id, request.body),
  );

  app.delete<{ Params: Static<typeof IdParams> }>(
    '/v1/cameras/:id',
    { schema: { params: IdParams, response: { 204: Type.Null(), ...errors } } },
    async (request, reply) => {
      await manager.remove(request.params.id);
      return reply.code(204).send();
    },
  );

  app.get<{ Params: Static<typeof IdParams>; Querystring: Static<typeof StreamQuery> }>(
    '/v1/cameras/:id/stream',
    {
      websocket: true,
      schema: { params: IdParams, querystring: StreamQuery },
      preValidation: async (request) => {
        if (!manager.has(request.params.id)) throw new CameraError('NOT_FOUND', `no camera with id ${request.params.id}`);
      },
    },
    (socket, request) => {
      const { id } = request.params;
      if (!manager.has(id)) {
        socket.close(4404, 'camera removed');
        return;
      }
      const preview = request.query.preview === '1' || request.query.preview === 'true';
      const unsubscribe = manager.subscribe(id, socketSubscriber(socket, preview, maxBufferedBytes));
      socket.on('close', unsubscribe);
      socket.on('error', unsubscribe);
      // Subscribers only listen; anything they send is ignored.
    },
  );
};

/** Without ffmpeg the service still starts; each camera then fails with "ffmpeg not found". */
function ffmpegPathOrName(configured: string, log: { warn(object: object, message: string): void }): string {
  try {
    return resolveFfmpegPath(configured);
  } catch (error) {
    log.warn({ err: error }, 'cameras will not start');
    return 'ffmpeg';
  }
}

/** Adapts a WebSocket: droppable messages are skipped while the socket is backed up, so one slow client never slows the camera or the others. */
export function socketSubscriber(socket: Pick<WebSocket, 'readyState' | 'OPEN' | 'CONNECTING' | 'bufferedAmount' | 'send' | 'close'>, preview: boolean, maxBufferedBytes: number): CameraSubscriber {
  return {
    preview,
    send(text, droppable) {
      if (socket.readyState !== socket.OPEN) return;
      if (droppable && socket.bufferedAmount > maxBufferedBytes) return;
      socket.send(text);
    },
    close(code, reason) {
      if (socket.readyState === socket.OPEN || socket.readyState === socket.CONNECTING) socket.close(code, reason);
    },
  };
}

/** Per-camera gauges labelled by camera id only (never by URL), read from the manager at scrape time. */
function registerCameraMetrics(registry: Registry, manager: CameraManager): void {
  const names = ['facestream_camera_state', 'facestream_camera_frames', 'facestream_camera_dropped_frames', 'facestream_camera_restarts'];
  for (const name of names) registry.removeSingleMetric(name);
  new Gauge({
    name: 'facestream_camera_state',
    help: 'Camera state: 1 for the current state, 0 for the others',
    labelNames: ['camera_id', 'state'],
    registers: [registry],
    collect() {
      this.reset();
      for (const camera of manager.list()) {
        for (const state of CameraStateNames) this.set({ camera_id: camera.id, state }, camera.state === state ? 1 : 0);
      }
    },
  });
  const perCamera = (name: string, help: string, read: (camera: ReturnType<CameraManager['list']>[number]) => number): void => {
    new Gauge({
      name,
      help,
      labelNames: ['camera_id'],
      registers: [registry],
      collect() {
        this.reset();
        for (const camera of manager.list()) this.set({ camera_id: camera.id }, read(camera));
      },
    });
  };
  perCamera('facestream_camera_frames', 'Frames read from the camera since it was added or the server started', (camera) => camera.frames);
  perCamera('facestream_camera_dropped_frames', 'Camera frames dropped because the pipeline was busy or overloaded', (camera) => camera.dropped);
  perCamera('facestream_camera_restarts', 'ffmpeg restarts of the camera (reconnects, stalls, setting changes)', (camera) => camera.restarts);
}

export default camerasPlugin;
