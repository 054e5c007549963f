import { describe, expect, it } from 'vitest';
import { FRAME_HEADER_BYTES, decodeFrame, encodeFrame } from '../src/protocol/frame-header.js';
import { LatestFrameSlot } from '../src/stream/latest-frame-slot.js';
import { loadConfig } from '../src/server/config.js';

describe('binary frame header', () => {
  it('round-trips every field and leaves the payload in place', () => {
    const payload = Uint8Array.from([9, 8, 7]);
    const bytes = encodeFrame({ format: 'gray8', frameId: 4_000_000_000, captureTs: 1732520000123.25, width: 3, height: 1 }, payload);
    expect(bytes.byteLength).toBe(FRAME_HEADER_BYTES + 3);
    const decoded = decodeFrame(bytes);
    expect(decoded).toEqual({
      ok: true,
      header: { format: 'gray8', frameId: 4_000_000_000, captureTs: 1732520000123.25, width: 3, height: 1 },
      payload,
    });
  });

  it('names the problem with a malformed header and keeps the frame id when it can', () => {
    expect(decodeFrame(new Uint8Array(5))).toEqual({ ok: false, problem: 'too-short' });
    const bytes = encodeFrame({ format: 'jpeg', frameId: 12, captureTs: NaN, width: 0, height: 0 }, new Uint8Array());
    expect(decodeFrame(bytes)).toEqual({ ok: false, problem: 'bad-timestamp', frameId: 12 });
  });
});

describe('LatestFrameSlot', () => {
  it('runs one item, keeps only the newest waiting one, and drops the rest', async () => {
    const ran: number[] = [];
    const dropped: number[] = [];
    let release!: () => void;
    const slot = new LatestFrameSlot<number>(
      (n) => { ran.push(n); return n === 1 ? new Promise<void>((r) => { release = r; }) : Promise.resolve(); },
      (n) => dropped.push(n),
    );
    for (const n of [1, 2, 3, 4]) slot.offer(n);
    expect(ran).toEqual([1]);
    release();
    await slot.idle();
    expect(ran).toEqual([1, 4]);
    expect(dropped).toEqual([2, 3]);
  });
});

describe('config', () => {
  it('reads FACESTREAM_* variables, applies defaults and freezes the result', () => {
    const config = loadConfig({ FACESTREAM_PORT: '9000', FACESTREAM_BATCH_MAX: '16', FACESTREAM_HAAR_SCALE_FACTOR: '1.3' });
    expect([config.port, config.batchMax, config.haarScaleFactor, config.maxFps]).toEqual([9000, 16, 1.3, 60]);
    expect(Object.isFrozen(config)).toBe(true);
  });

  it('rejects invalid values naming the variable', () => {
    expect(() => loadConfig({ FACESTREAM_BATCH_MAX: '0' })).toThrow(/FACESTREAM_BATCH_MAX/);
    expect(() => loadConfig({ FACESTREAM_PORT: 'eighty' })).toThrow(/FACESTREAM_PORT/);
  });
});
