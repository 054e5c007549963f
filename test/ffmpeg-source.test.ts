import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { exitReason, ffmpegArgs, FfmpegSource, resolveFfmpegPath, type FfmpegExit, type RawFrame } from '../src/stream/ffmpeg-source.js';
import { parseCameraUrl } from '../src/stream/camera-url.js';

const mediaDir = join(resolve(process.env.FACESTREAM_DATA ?? '../shared/data'), 'face_media');
const clip = join(mediaDir, 'video/short_hamilton_clip.mp4');
const skipReason = !existsSync(clip)
  ? `${clip} not found (set FACESTREAM_DATA)`
  : spawnSync('ffmpeg', ['-version']).status !== 0 ? 'ffmpeg is not on PATH' : undefined;
if (skipReason) console.warn(`test/ffmpeg-source.test.ts: ffmpeg runs skipped: ${skipReason}`);

describe('ffmpeg command line and exit reasons', () => {
  it('asks for TCP, low latency, fps + scale + grey on stdout, and loops files at their native rate', () => {
    const rtsp = ffmpegArgs({ ffmpegPath: 'ffmpeg', source: { kind: 'rtsp', url: 'rtsp://u:p@h/x', redacted: 'rtsp://***@h/x' }, fps: 5, width: 321, ioTimeoutMs: 3000 }).join(' ');
    expect(rtsp).toContain('-rtsp_transport tcp -timeout 3000000');
    expect(rtsp).toContain('-fflags nobuffer -flags low_delay');
    expect(rtsp).toContain("-vf fps=5,scale='trunc(min(322,iw)/2)*2':-2:flags=area,format=gray -f rawvideo pipe:1");
    expect(rtsp).not.toContain('-re');
    const file = ffmpegArgs({ ffmpegPath: 'ffmpeg', source: { kind: 'file', url: '/m/a.mp4', redacted: '/m/a.mp4' }, fps: 2, width: 320, ioTimeoutMs: 3000 }).join(' ');
    expect(file).toContain('-protocol_whitelist file -re -stream_loop -1');
    expect(file).toContain('-i file:/m/a.mp4');
  });

  it('turns ffmpeg last words into reasons, fatal only when retrying cannot help', () => {
    expect(exitReason(['[rtsp @ 0x55d0] method DESCRIBE failed: 401 Unauthorized', 'rtsp://***@h/x: Server returned 401 Unauthorized (authorization failed)'], 1, null))
      .toEqual({ reason: 'authentication refused: rtsp://***@h/x: Server returned 401 Unauthorized (authorization failed)', fatal: true });
    expect(exitReason(['[tcp @ 0x1] Connection to tcp://h:554 failed: Connection refused', 'rtsp://h/x: Connection refused'], 1, null))
      .toEqual({ reason: 'rtsp://h/x: Connection refused', fatal: false });
    expect(exitReason(['Output #0, rawvideo, to \'pipe:1\':', '  Stream #0:0: Video: rawvideo (Y800 / 0x30303859), gray, 320x180', 'Exiting normally, received signal 15.'], 255, null))
      .toEqual({ reason: 'stream ended (ffmpeg exited with code 255)', fatal: false });
    expect(exitReason(['[h264 @ 0x5581] concealing 480 DC, 480 AC, 480 MV errors in I frame'], 0, null))
      .toEqual({ reason: 'stream ended (ffmpeg exited with code 0)', fatal: false });
    expect(exitReason(['Error: no such thing'], 1, null)).toEqual({ reason: 'Error: no such thing', fatal: false });
    expect(exitReason([], null, 'SIGKILL')).toEqual({ reason: 'ffmpeg killed by SIGKILL', fatal: false });
  });
});

describe.skipIf(skipReason !== undefined)(`ffmpeg frame source${skipReason ? ` (skipped: ${skipReason})` : ''}`, () => {
  it('cuts exact frame-sized grey frames from a looping file and is reaped on stop', async () => {
    const frames: RawFrame[] = [];
    let exit: FfmpegExit | undefined;
    const source = new FfmpegSource(
      { ffmpegPath: resolveFfmpegPath(''), source: await parseCameraUrl('video/short_hamilton_clip.mp4', mediaDir), fps: 10, width: 160, ioTimeoutMs: 3000 },
      { onFrame: (frame) => frames.push(frame), onExit: (info) => (exit = info) },
    );
    const deadline = Date.now() + 10_000;
    while (frames.length < 5 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    const pid = source.pid;
    await source.stop(1000);
    expect(frames.length).toBeGreaterThanOrEqual(5);
    for (const frame of frames) {
      expect([frame.width, frame.height, frame.data.length]).toEqual([160, 90, 160 * 90]);
    }
    expect(new Set(frames.map((frame) => frame.data.buffer)).size).toBe(frames.length);
    expect(exit).toMatchObject({ requested: true, frames: frames.length });
    expect(() => process.kill(pid!, 0)).toThrow();
  });

  it('reports a missing binary as a fatal exit instead of throwing', async () => {
    const exit = await new Promise<FfmpegExit>((done) => {
      new FfmpegSource(
        { ffmpegPath: '/nonexistent/ffmpeg', source: { kind: 'file', url: clip, redacted: clip }, fps: 5, width: 160, ioTimeoutMs: 1000 },
        { onFrame: () => undefined, onExit: done },
      );
    });
    expect(exit).toMatchObject({ fatal: true, reason: 'ffmpeg not found at /nonexistent/ffmpeg' });
  });
});
