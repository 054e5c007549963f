/** The pipeline cannot take more work now; callers drop the frame and tell the client. */
export class OverloadedError extends Error {
  readonly code = 'OVERLOADED';
}
