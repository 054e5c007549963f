import { Type, type Static } from '@sinclair/typebox';
import { ErrorCodes, type ErrorCode } from './errors.js';

/** Bumped on any incompatible change to the JSON messages or the binary frame header. */
export const PROTOCOL_VERSION = 1;

export const EMOTION_LABELS = ['angry', 'disgust', 'fear', 'happy', 'sad', 'surprise', 'neutral'] as const;
export type EmotionLabel = (typeof EMOTION_LABELS)[number];

const Unit = Type.Number({ minimum: 0, maximum: 1 });

export const BoxSchema = Type.Object({
  x: Type.Number(),
  y: Type.Number(),
  w: Type.Number(),
  h: Type.Number(),
});
export type Box = Static<typeof BoxSchema>;

export const ScoresSchema = Type.Object({
  angry: Unit, disgust: Unit, fear: Unit, happy: Unit, sad: Unit, surprise: Unit, neutral: Unit,
});
export type Scores = Static<typeof ScoresSchema>;

export const FaceSchema = Type.Object({
  /** Track id, stable across frames of one stream while the face stays in view. */
  id: Type.Integer({ minimum: 1 }),
  /** Box in source-image pixels. */
  box: BoxSchema,
  /** Box as fractions (0..1) of the source width and height. */
  boxNorm: BoxSchema,
  emotion: Type.Union(EMOTION_LABELS.map((label) => Type.Literal(label))),
  confidence: Unit,
  /** Smoothed probabilities (sum to 1). */
  scores: ScoresSchema,
});
export type Face = Static<typeof FaceSchema>;

export const TimingsSchema = Type.Object({
  queueMs: Type.Number(),
  decodeMs: Type.Number(),
  detectMs: Type.Number(),
  classifyMs: Type.Number(),
  totalMs: Type.Number(),
});
export type Timings = Static<typeof TimingsSchema>;

export const ResultMessageSchema = Type.Object({
  type: Type.Literal('result'),
  v: Type.Literal(PROTOCOL_VERSION),
  /** Echo of the client's frame id (camera sources number their frames from 1). */
  frameId: Type.Integer({ minimum: 0 }),
  /** Echo of the client's capture timestamp, ms since the epoch. */
  captureTs: Type.Number(),
  receivedTs: Type.Number(),
  sentTs: Type.Number(),
  width: Type.Integer({ minimum: 1 }),
  height: Type.Integer({ minimum: 1 }),
  faces: Type.Array(FaceSchema),
  timings: TimingsSchema,
  /** Frames of this stream dropped so far (superseded by newer ones or rate-limited). */
  droppedTotal: Type.Integer({ minimum: 0 }),
  cameraId: Type.Optional(Type.String()),
});
export type ResultMessage = Static<typeof ResultMessageSchema>;

export const DroppedMessageSchema = Type.Object({
  type: Type.Literal('dropped'),
  v: Type.Literal(PROTOCOL_VERSION),
  frameId: Type.Integer({ minimum: 0 }),
  reason: Type.Union([Type.Literal('superseded'), Type.Literal('rate-limited'), Type.Literal('overloaded')]),
  droppedTotal: Type.Integer({ minimum: 0 }),
});
export type DroppedMessage = Static<typeof DroppedMessageSchema>;

export const ErrorMessageSchema = Type.Object({
  type: Type.Literal('error'),
  v: Type.Literal(PROTOCOL_VERSION),
  code: Type.Union((Object.keys(ErrorCodes) as ErrorCode[]).map((code) => Type.Literal(code))),
  message: Type.String(),
  frameId: Type.Optional(Type.Integer({ minimum: 0 })),
});
export type ErrorMessage = Static<typeof ErrorMessageSchema>;

export const StreamLimitsSchema = Type.Object({
  maxFrameBytes: Type.Integer(),
  maxWidth: Type.Integer(),
  maxHeight: Type.Integer(),
  maxFps: Type.Number(),
  /** Frames the server holds per stream: one being processed plus one waiting. */
  maxInFlight: Type.Integer(),
});
export type StreamLimits = Static<typeof StreamLimitsSchema>;

export const HelloMessageSchema = Type.Object({
  type: Type.Literal('hello'),
  v: Type.Literal(PROTOCOL_VERSION),
  labels: Type.Array(Type.String()),
  limits: StreamLimitsSchema,
});
export type HelloMessage = Static<typeof HelloMessageSchema>;

export const CameraStateNames = ['connecting', 'live', 'stalled', 'reconnecting', 'failed', 'stopped'] as const;
export type CameraStateName = (typeof CameraStateNames)[number];

export const CameraStateMessageSchema = Type.Object({
  type: Type.Literal('camera-state'),
  v: Type.Literal(PROTOCOL_VERSION),
  cameraId: Type.String(),
  state: Type.Union(CameraStateNames.map((name) => Type.Literal(name))),
  reason: Type.Optional(Type.String()),
  since: Type.Number(),
});
export type CameraStateMessage = Static<typeof CameraStateMessageSchema>;

export const PreviewMessageSchema = Type.Object({
  type: Type.Literal('preview'),
  v: Type.Literal(PROTOCOL_VERSION),
  cameraId: Type.String(),
  frameId: Type.Integer({ minimum: 0 }),
  /** Low-rate JPEG preview as a data URL, for dashboards. */
  jpeg: Type.String(),
});
export type PreviewMessage = Static<typeof PreviewMessageSchema>;

export const ServerMessageSchema = Type.Union([
  HelloMessageSchema,
  ResultMessageSchema,
  DroppedMessageSchema,
  ErrorMessageSchema,
  CameraStateMessageSchema,
  PreviewMessageSchema,
]);
export type ServerMessage = Static<typeof ServerMessageSchema>;

export function errorMessage(code: ErrorCode, message: string = ErrorCodes[code], frameId?: number): ErrorMessage {
  return frameId === undefined
    ? { type: 'error', v: PROTOCOL_VERSION, code, message }
    : { type: 'error', v: PROTOCOL_VERSION, code, message, frameId };
}
