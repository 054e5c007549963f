import sharp from 'sharp';
import type { FrameFormatName } from '../protocol/frame-header.js';
import type { GrayImage } from '../inference/face-pipeline.js';
import { FrameError } from './frame-error.js';

export interface DecodeLimits {
  maxFrameBytes: number;
  maxWidth: number;
  maxHeight: number;
}

export type EncodedFormat = 'jpeg' | 'webp' | 'png';

/** Recognises the image formats we accept from their first bytes; sharp would also open SVG, TIFF and more. */
export function sniffImageFormat(bytes: Uint8Array): EncodedFormat | undefined {
  if (bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return 'jpeg';
  if (bytes.length >= 8 && bytes[0] === 0x89 && bytes[1] === 0x50 && bytes[2] === 0x4e && bytes[3] === 0x47) return 'png';
  const ascii = (from: number, to: number) => String.fromCharCode(...bytes.subarray(from, to));
  if (bytes.length >= 12 && ascii(0, 4) === 'RIFF' && ascii(8, 12) === 'WEBP') return 'webp';
  return undefined;
}

/** Cheap checks done when a frame arrives, before it may wait in the stream's slot. */
export function checkFrame(format: FrameFormatName, payload: Uint8Array, width: number, height: number, limits: DecodeLimits): void {
  if (payload.byteLength > limits.maxFrameBytes) {
    throw new FrameError('FRAME_TOO_LARGE', `frame of ${payload.byteLength} bytes exceeds the limit of ${limits.maxFrameBytes}`);
  }
  if (format === 'gray8') {
    if (width < 1 || height < 1 || width > limits.maxWidth || height > limits.maxHeight) {
      throw new FrameError('BAD_DIMENSIONS', `grey frame of ${width}x${height} is outside 1x1..${limits.maxWidth}x${limits.maxHeight}`);
    }
    if (payload.byteLength !== width * height) {
      throw new FrameError('BAD_DIMENSIONS', `grey frame of ${width}x${height} needs ${width * height} bytes, got ${payload.byteLength}`);
    }
    return;
  }
  const sniffed = sniffImageFormat(payload);
  if (sniffed === undefined) throw new FrameError('UNDECODABLE_IMAGE', `payload is not a JPEG, WebP or PNG image`);
  if (sniffed !== format) throw new FrameError('UNSUPPORTED_FORMAT', `header says ${format} but the payload is ${sniffed}`);
}

/** Decodes a checked frame to 8-bit grey pixels in a buffer of its own. */
export async function decodeGray(format: FrameFormatName, payload: Uint8Array, width: number, height: number, limits: DecodeLimits): Promise<GrayImage> {
  if (format === 'gray8') return { data: payload.slice(), width, height };
  try {
    const { data, info } = await sharp(payload, { limitInputPixels: limits.maxWidth * limits.maxHeight, failOn: 'error' })
      .rotate()
      .greyscale()
      .raw()
      .toBuffer({ resolveWithObject: true });
    if (info.width > limits.maxWidth || info.height > limits.maxHeight) {
      throw new FrameError('BAD_DIMENSIONS', `image of ${info.width}x${info.height} exceeds ${limits.maxWidth}x${limits.maxHeight}`);
    }
    if (info.channels !== 1) throw new FrameError('UNDECODABLE_IMAGE', `decoder returned ${info.channels} channels`);
    return { data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength), width: info.width, height: info.height };
  } catch (error) {
    if (error instanceof FrameError) throw error;
    const reason = error instanceof Error ? error.message : String(error);
    if (/pixel limit/i.test(reason)) throw new FrameError('BAD_DIMENSIONS', `image exceeds ${limits.maxWidth * limits.maxHeight} pixels`);
    throw new FrameError('UNDECODABLE_IMAGE', `cannot decode ${format}: ${reason}`);
  }
}
