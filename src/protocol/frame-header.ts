/**
 * Binary frame envelope sent by clients on /v1/stream: a fixed 24-byte little-endian header
 * followed by the image payload.
 *
 *   offset size  field
 *   0      4     magic "FSF1"
 *   4      1     header version (1)
 *   5      1     format: 1 = JPEG, 2 = WebP, 3 = PNG, 4 = raw grey 8-bit (row-major, no padding)
 *   6      2     reserved, 0
 *   8      4     frame id (u32, chosen by the client, echoed in results)
 *   12     8     capture timestamp (f64, ms since the Unix epoch, echoed in results)
 *   20     2     width  (u16; required for raw grey, 0 for encoded images)
 *   22     2     height (u16; required for raw grey, 0 for encoded images)
 */
export const FRAME_MAGIC = 0x31465346; // "FSF1" read as little-endian u32
export const FRAME_HEADER_BYTES = 24;
export const FRAME_HEADER_VERSION = 1;

export const FrameFormat = { jpeg: 1, webp: 2, png: 3, gray8: 4 } as const;
export type FrameFormatName = keyof typeof FrameFormat;

export interface FrameHeader {
  format: FrameFormatName;
  frameId: number;
  captureTs: number;
  width: number;
  height: number;
}

const formatNames = new Map<number, FrameFormatName>(
  Object.entries(FrameFormat).map(([name, code]) => [code, name as FrameFormatName]),
);

/** Writes header + payload into one new buffer, ready to send as a binary WebSocket message. */
export function encodeFrame(header: FrameHeader, payload: Uint8Array): Uint8Array {
  const out = new Uint8Array(FRAME_HEADER_BYTES + payload.byteLength);
  const view = new DataView(out.buffer);
  view.setUint32(0, FRAME_MAGIC, true);
  view.setUint8(4, FRAME_HEADER_VERSION);
  view.setUint8(5, FrameFormat[header.format]);
  view.setUint16(6, 0, true);
  view.setUint32(8, header.frameId >>> 0, true);
  view.setFloat64(12, header.captureTs, true);
  view.setUint16(20, header.width, true);
  view.setUint16(22, header.height, true);
  out.set(payload, FRAME_HEADER_BYTES);
  return out;
}

export type FrameHeaderProblem = 'too-short' | 'bad-magic' | 'bad-version' | 'bad-format' | 'bad-timestamp';

export type DecodedFrame =
  | { ok: true; header: FrameHeader; payload: Uint8Array }
  | { ok: false; problem: FrameHeaderProblem; frameId?: number };

/** Parses the envelope without copying the payload. Never throws. */
export function decodeFrame(message: Uint8Array): DecodedFrame {
  if (message.byteLength < FRAME_HEADER_BYTES) return { ok: false, problem: 'too-short' };
  const view = new DataView(message.buffer, message.byteOffset, message.byteLength);
  if (view.getUint32(0, true) !== FRAME_MAGIC) return { ok: false, problem: 'bad-magic' };
  const frameId = view.getUint32(8, true);
  if (view.getUint8(4) !== FRAME_HEADER_VERSION) return { ok: false, problem: 'bad-version', frameId };
  const format = formatNames.get(view.getUint8(5));
  if (format === undefined) return { ok: false, problem: 'bad-format', frameId };
  const captureTs = view.getFloat64(12, true);
  if (!Number.isFinite(captureTs)) return { ok: false, problem: 'bad-timestamp', frameId };
  return {
    ok: true,
    header: { format, frameId, captureTs, width: view.getUint16(20, true), height: view.getUint16(22, true) },
    payload: message.subarray(FRAME_HEADER_BYTES),
  };
}
