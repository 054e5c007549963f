export { StreamClient, type StreamClientOptions, type StreamClientEvents, type StreamStats, type SendOptions, type SendOutcome, type SendStatus } from './stream-client.js';
export { CameraSubscription, type CameraSubscriptionEvents, type CameraSubscriptionOptions } from './camera-subscription.js';
export { Connection, type ConnectionOptions, type ConnectionState, type ConnectionEvents } from './connection.js';
export { FaceStreamError, ClientErrorCodes, type ClientErrorCode, type FaceStreamErrorCode } from './errors.js';
export { FrameEncoder, sniffImageFormat, type FrameInput, type GrayFrame, type DrawableFrame, type EncodeOptions, type FramePayload } from './frame-input.js';
export { backoffDelay, type BackoffOptions } from './backoff.js';
export type { SocketLike, SocketFactory } from './websocket.js';
export {
  EMOTION_LABELS,
  PROTOCOL_VERSION,
  ErrorCodes,
  type EmotionLabel,
  type ErrorCode,
  type Box,
  type Face,
  type Scores,
  type Timings,
  type HelloMessage,
  type ResultMessage,
  type DroppedMessage,
  type ErrorMessage,
  type CameraStateMessage,
  type CameraStateName,
  type PreviewMessage,
  type ServerMessage,
  type StreamLimits,
} from '../../../src/protocol/index.js';
