import { ErrorCodes, type ErrorCode } from '../protocol/errors.js';

/** A frame that cannot be processed, with the protocol code sent back to the client. */
export class FrameError extends Error {
  readonly code: ErrorCode;

  constructor(code: ErrorCode, message: string = ErrorCodes[code]) {
    super(message);
    this.code = code;
  }
}
