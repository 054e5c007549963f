import { availableParallelism } from 'node:os';
import { resolve } from 'node:path';
import { Type, type Static } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';

/** Every setting, with its environment variable (FACESTREAM_<NAME>), default and bounds. */
const ConfigSchema = Type.Object({
  host: Type.String({ default: '0.0.0.0' }),
  port: Type.Integer({ minimum: 0, maximum: 65535, default: 8080 }),
  logLevel: Type.Union(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].map((l) => Type.Literal(l)), { default: 'info' }),
  /** Optional shared secret: when set, every API and socket needs `Authorization: Bearer` or `?token=`. */
  authToken: Type.String({ default: '' }),
  modelDir: Type.String({ default: 'models' }),
  dataDir: Type.String({ default: '../shared/data' }),
  /** Writable folder for the camera registry. */
  stateDir: Type.String({ default: 'var' }),
  /** Folder that file:// camera sources must live under. */
  mediaDir: Type.String({ default: '../shared/data/face_media' }),
  poolSize: Type.Integer({ minimum: 1, maximum: 64, default: Math.max(1, availableParallelism()) }),
  /** Frames are downscaled to at most this width before Haar detection. */
  detectWidth: Type.Integer({ minimum: 80, maximum: 1920, default: 320 }),
  /** Haar cascade file in modelDir; alt2 measured best for its time (bench/detector.ts). */
  haarCascade: Type.String({ default: 'haarcascade_frontalface_alt2.xml', pattern: '^[\\w.-]+\\.xml$' }),
  /** Histogram equalisation before Haar: may help dim scenes, doubles detection time. */
  haarEqualize: Type.Boolean({ default: false }),
  haarScaleFactor: Type.Number({ exclusiveMinimum: 1, maximum: 2, default: 1.2 }),
  haarMinNeighbors: Type.Integer({ minimum: 0, maximum: 50, default: 3 }),
  /** Smallest face, in pixels of the downscaled detection image. */
  haarMinSize: Type.Integer({ minimum: 8, maximum: 512, default: 24 }),
  maxFacesPerFrame: Type.Integer({ minimum: 1, maximum: 256, default: 32 }),
  batchMax: Type.Integer({ minimum: 1, maximum: 256, default: 32 }),
  batchWaitMs: Type.Number({ minimum: 0, maximum: 1000, default: 3 }),
  /** Faces waiting for the classifier across all streams; beyond this, frames fail with OVERLOADED. */
  maxQueuedFaces: Type.Integer({ minimum: 1, maximum: 100000, default: 1024 }),
  /** Frames waiting for a detector worker across all streams. */
  maxQueuedDetections: Type.Integer({ minimum: 1, maximum: 10000, default: 256 }),
  maxFrameBytes: Type.Integer({ minimum: 1024, maximum: 64 * 1024 * 1024, default: 4 * 1024 * 1024 }),
  maxWidth: Type.Integer({ minimum: 16, maximum: 16384, default: 3840 }),
  maxHeight: Type.Integer({ minimum: 16, maximum: 16384, default: 2160 }),
  /** Frames per second accepted per stream; extra frames are dropped with RATE_LIMITED. */
  maxFps: Type.Number({ minimum: 1, maximum: 1000, default: 60 }),
  maxConnections: Type.Integer({ minimum: 1, maximum: 10000, default: 256 }),
  /** Weight of the newest scores in the exponential moving average per track (1 = no smoothing). */
  smoothing: Type.Number({ exclusiveMinimum: 0, maximum: 1, default: 0.4 }),
  trackIou: Type.Number({ minimum: 0, maximum: 1, default: 0.3 }),
  /** Frames a track survives without a matching face. */
  trackMaxMissed: Type.Integer({ minimum: 0, maximum: 1000, default: 5 }),
  ffmpegPath: Type.String({ default: '' }),
  maxCameras: Type.Integer({ minimum: 0, maximum: 1000, default: 64 }),
  /** A live camera with no frame for this long is stalled and restarted. */
  cameraStallMs: Type.Integer({ minimum: 500, maximum: 600_000, default: 10_000 }),
  /** A starting camera with no first frame after this long counts as a failed attempt. */
  cameraConnectTimeoutMs: Type.Integer({ minimum: 500, maximum: 600_000, default: 20_000 }),
  /** Longest wait between reconnect attempts (exponential backoff with jitter up to this). */
  cameraBackoffMaxMs: Type.Integer({ minimum: 100, maximum: 3_600_000, default: 30_000 }),
  /** Failed attempts in a row, without ever going live, before a camera is marked failed. */
  cameraMaxFailures: Type.Integer({ minimum: 1, maximum: 1000, default: 5 }),
});

export type Config = Readonly<Static<typeof ConfigSchema>>;

const envName = (key: string): string => `FACESTREAM_${key.replace(/[A-Z]/g, (c) => `_${c}`).toUpperCase()}`;

/** Reads FACESTREAM_* variables (and PORT/HOST, FFMPEG_PATH), validates them and returns a frozen config. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env, overrides: Partial<Config> = {}): Config {
  const raw: Record<string, unknown> = {};
  for (const [key, schema] of Object.entries(ConfigSchema.properties)) {
    const text = env[envName(key)];
    if (text === undefined || text === '') continue;
    raw[key] = schema.type === 'integer' || schema.type === 'number'
      ? Number(text)
      : schema.type === 'boolean'
        ? ({ true: true, '1': true, false: false, '0': false } as Record<string, boolean>)[text.toLowerCase()] ?? text
        : text;
  }
  if (raw.port === undefined && env.PORT) raw.port = Number(env.PORT);
  if (raw.host === undefined && env.HOST) raw.host = env.HOST;
  if (raw.ffmpegPath === undefined && env.FFMPEG_PATH) raw.ffmpegPath = env.FFMPEG_PATH;
  const value = Value.Default(ConfigSchema, { ...raw, ...overrides });
  if (!Value.Check(ConfigSchema, value)) {
    const problems = [...Value.Errors(ConfigSchema, value)]
      .map((e) => `${envName(e.path.slice(1))}: ${e.message}`)
      .join('; ');
    throw new Error(`invalid configuration: ${problems}`);
  }
  const config = value as Static<typeof ConfigSchema>;
  for (const dir of ['modelDir', 'dataDir', 'stateDir', 'mediaDir'] as const) config[dir] = resolve(config[dir]);
  return Object.freeze(config);
}
