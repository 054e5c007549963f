import type { FrameFormatName } from '../../../src/protocol/index.js';
import { FaceStreamError } from './errors.js';

/** Raw 8-bit grey pixels, row-major without padding. */
export interface GrayFrame {
  gray: Uint8Array;
  width: number;
  height: number;
}

/** Anything the browser can draw into a canvas. */
export type DrawableFrame = HTMLVideoElement | HTMLCanvasElement | HTMLImageElement | OffscreenCanvas | ImageBitmap;

/** What `send`/`analyze` accept: encoded JPEG/WebP/PNG bytes (Buffer works), raw grey, or a drawable. */
export type FrameInput = Uint8Array | ArrayBuffer | GrayFrame | DrawableFrame;

export interface EncodeOptions {
  /** Drawables wider than this are scaled down before encoding (default 640). */
  maxWidth?: number;
  /** JPEG/WebP quality 0..1 for drawables (default 0.8). */
  quality?: number;
  /** Encoding for drawables (default image/jpeg). */
  mimeType?: 'image/jpeg' | 'image/webp';
}

export interface FramePayload {
  format: FrameFormatName;
  payload: Uint8Array;
  /** 0 for encoded images (the server reads the size from the image). */
  width: number;
  height: number;
}

/** Format of encoded image bytes from their magic numbers, or undefined. */
export function sniffImageFormat(bytes: Uint8Array): 'jpeg' | 'png' | 'webp' | undefined {
  if (bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return 'jpeg';
  if (bytes.length >= 8 && bytes[0] === 0x89 && bytes[1] === 0x50 && bytes[2] === 0x4e && bytes[3] === 0x47) return 'png';
  if (bytes.length >= 12 && ascii(bytes, 0, 4) === 'RIFF' && ascii(bytes, 8, 12) === 'WEBP') return 'webp';
  return undefined;
}

function ascii(bytes: Uint8Array, from: number, to: number): string {
  return String.fromCharCode(...bytes.subarray(from, to));
}

function isGrayFrame(input: FrameInput): input is GrayFrame {
  return typeof input === 'object' && input !== null && 'gray' in input && input.gray instanceof Uint8Array;
}

function drawableSize(input: DrawableFrame): { width: number; height: number } {
  if (typeof HTMLVideoElement !== 'undefined' && input instanceof HTMLVideoElement) return { width: input.videoWidth, height: input.videoHeight };
  if (typeof HTMLImageElement !== 'undefined' && input instanceof HTMLImageElement) return { width: input.naturalWidth, height: input.naturalHeight };
  return { width: input.width, height: input.height };
}

function isDrawable(input: FrameInput): input is DrawableFrame {
  const g = globalThis as Record<string, unknown>;
  return ['HTMLVideoElement', 'HTMLCanvasElement', 'HTMLImageElement', 'OffscreenCanvas', 'ImageBitmap'].some((name) => {
    const ctor = g[name];
    return typeof ctor === 'function' && input instanceof (ctor as new () => unknown);
  });
}

type Canvas2D = { canvas: OffscreenCanvas | HTMLCanvasElement; ctx: OffscreenCanvasRenderingContext2D | CanvasRenderingContext2D };

/**
 * Turns frame inputs into protocol payloads. Keeps one scratch canvas for drawables so a capture
 * loop does not allocate a canvas per frame.
 */
export class FrameEncoder {
  #scratch: Canvas2D | undefined;

  async encode(input: FrameInput, options: EncodeOptions = {}): Promise<FramePayload> {
    if (input instanceof ArrayBuffer) return encoded(new Uint8Array(input));
    if (input instanceof Uint8Array) return encoded(input);
    if (isGrayFrame(input)) return gray(input);
    if (isDrawable(input)) return this.#drawn(input, options);
    throw new FaceStreamError('BAD_INPUT', 'expected image bytes, {gray,width,height}, a video/canvas/image element or an ImageBitmap');
  }

  async #drawn(input: DrawableFrame, options: EncodeOptions): Promise<FramePayload> {
    const { maxWidth = 640, quality = 0.8, mimeType = 'image/jpeg' } = options;
    const source = drawableSize(input);
    if (source.width === 0 || source.height === 0) throw new FaceStreamError('BAD_INPUT', 'the frame source has no pixels yet (video not playing?)');
    const scale = Math.min(1, maxWidth / source.width);
    const width = Math.max(1, Math.round(source.width * scale));
    const height = Math.max(1, Math.round(source.height * scale));
    const { canvas, ctx } = this.#canvas(width, height);
    ctx.drawImage(input, 0, 0, width, height);
    const blob = await toBlob(canvas, mimeType, quality);
    const payload = new Uint8Array(await blob.arrayBuffer());
    return { format: mimeType === 'image/webp' ? 'webp' : 'jpeg', payload, width: 0, height: 0 };
  }

  #canvas(width: number, height: number): Canvas2D {
    if (!this.#scratch) {
      const canvas = typeof OffscreenCanvas !== 'undefined' ? new OffscreenCanvas(width, height) : document.createElement('canvas');
      const ctx = canvas.getContext('2d') as OffscreenCanvasRenderingContext2D | CanvasRenderingContext2D | null;
      if (!ctx) throw new FaceStreamError('BAD_INPUT', 'no 2D canvas available to encode the frame');
      this.#scratch = { canvas, ctx };
    }
    const { canvas } = this.#scratch;
    if (canvas.width !== width) canvas.width = width;
    if (canvas.height !== height) canvas.height = height;
    return this.#scratch;
  }
}

function encoded(bytes: Uint8Array): FramePayload {
  const format = sniffImageFormat(bytes);
  if (!format) throw new FaceStreamError('BAD_INPUT', 'the bytes are not a JPEG, PNG or WebP image');
  return { format, payload: bytes, width: 0, height: 0 };
}

function gray(frame: GrayFrame): FramePayload {
  const { gray: pixels, width, height } = frame;
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1 || width > 0xffff || height > 0xffff) {
    throw new FaceStreamError('BAD_INPUT', `grey frame size ${width}x${height} is not valid`);
  }
  if (pixels.length !== width * height) throw new FaceStreamError('BAD_INPUT', `grey frame has ${pixels.length} bytes, expected ${width * height}`);
  return { format: 'gray8', payload: pixels, width, height };
}

function toBlob(canvas: OffscreenCanvas | HTMLCanvasElement, type: string, quality: number): Promise<Blob> {
  if ('convertToBlob' in canvas) return canvas.convertToBlob({ type, quality });
  return new Promise((resolve, reject) =>
    canvas.toBlob((blob) => (blob ? resolve(blob) : reject(new FaceStreamError('BAD_INPUT', 'the canvas could not be encoded'))), type, quality),
  );
}
