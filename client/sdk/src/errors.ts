import { ErrorCodes, type ErrorCode, type ErrorMessage } from '../../../src/protocol/index.js';

/** Errors raised by the SDK itself, next to the server's codes. */
export const ClientErrorCodes = {
  BAD_INPUT: 'The frame input is not an image the SDK can send',
  NOT_CONNECTED: 'The client is not connected',
  CLOSED: 'The client was closed',
  CONNECTION_LOST: 'The connection closed before the frame got an answer',
  PROTOCOL: 'The server sent a message that does not match the protocol',
  DROPPED: 'The frame was dropped before it was processed',
  TIMEOUT: 'No answer for the frame in time',
  HTTP: 'The HTTP request failed',
} as const;

export type ClientErrorCode = keyof typeof ClientErrorCodes;
export type FaceStreamErrorCode = ErrorCode | ClientErrorCode;

/** One error type for everything the SDK reports; `code` is stable, `message` is for people. */
export class FaceStreamError extends Error {
  override readonly name = 'FaceStreamError';
  readonly code: FaceStreamErrorCode;
  /** Frame the error is about, when there is one. */
  readonly frameId: number | undefined;
  /** True for the server's error codes, false for errors the SDK raised locally. */
  readonly fromServer: boolean;

  constructor(code: FaceStreamErrorCode, message?: string, options: { frameId?: number; fromServer?: boolean; cause?: unknown } = {}) {
    super(message ?? defaultMessage(code), options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.frameId = options.frameId;
    this.fromServer = options.fromServer ?? false;
  }

  static fromMessage(message: ErrorMessage): FaceStreamError {
    return new FaceStreamError(message.code, message.message, { frameId: message.frameId, fromServer: true });
  }
}

function defaultMessage(code: FaceStreamErrorCode): string {
  return code in ErrorCodes ? ErrorCodes[code as ErrorCode] : ClientErrorCodes[code as ClientErrorCode];
}
