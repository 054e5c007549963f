/** Every error a client can receive, defined once with a stable code and a default message. */
export const ErrorCodes = {
  BAD_FRAME_HEADER: 'The binary frame header is missing or malformed',
  UNSUPPORTED_FORMAT: 'The frame format is not supported',
  FRAME_TOO_LARGE: 'The frame is larger than the server accepts',
  BAD_DIMENSIONS: 'The frame dimensions are zero, too large or do not match the payload',
  UNDECODABLE_IMAGE: 'The image could not be decoded',
  EXPECTED_BINARY: 'Frames must be sent as binary messages',
  RATE_LIMITED: 'Frames arrive faster than the allowed rate; this frame was dropped',
  UNAUTHORIZED: 'A valid token is required',
  OVERLOADED: 'The server is overloaded; the frame was not processed',
  INTERNAL: 'The frame could not be processed',
  NOT_FOUND: 'No such resource',
  BAD_REQUEST: 'The request is invalid',
} as const;

export type ErrorCode = keyof typeof ErrorCodes;
