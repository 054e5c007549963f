// Dashboard end-to-end benchmark: headless Chromium's fake webcam plays the face clip, the page
// grabs frames from <video>, encodes them to JPEG on a canvas and streams them with the SDK; the
// server's results are drawn over the video. Prints, per send rate, results per second, frames
// sent and dropped (locally by the SDK's latest-wins slot, and by the server), and the page's
// capture-to-result latency percentiles: the whole browser -> server -> browser path.
//   npx tsx bench/dashboard.ts [--seconds 10] [--fps 5,10,15]
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { chromium } from 'playwright-core';
import { loadConfig } from '../src/server/config.js';
import { createService } from '../src/server/service.js';

const CHROMIUM = '/usr/bin/chromium';
const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '10' },
    fps: { type: 'string', default: '5,10,15' },
    clip: { type: 'string', default: 'face_media/video/short_hamilton_clip.mp4' },
  },
});
const seconds = Number(values.seconds);
const rates = values.fps.split(',').map(Number);
const config = loadConfig(process.env, { logLevel: 'warn', host: '127.0.0.1', port: 0 });
const clip = resolve(config.dataDir, values.clip);
for (const [path, what] of [[clip, 'clip (set FACESTREAM_DATA)'], [CHROMIUM, 'chromium (apt-get install chromium)']] as const) {
  if (!existsSync(path)) {
    console.error(`${what} not found: ${path}`);
    process.exit(1);
  }
}

const work = await mkdtemp(join(tmpdir(), 'facestream-bench-dashboard-'));
const fakeCamera = join(work, 'webcam.y4m');
// 640x360 at 30 fps, 10 s, looped by Chromium: a typical laptop webcam.
execFileSync(config.ffmpegPath || 'ffmpeg', ['-v', 'error', '-y', '-i', clip, '-t', '10', '-vf', 'scale=640:-2,fps=30', '-pix_fmt', 'yuv420p', fakeCamera]);

const service = await createService(loadConfig(process.env, { logLevel: 'warn', host: '127.0.0.1', port: 0, stateDir: join(work, 'state') }));
await service.app.listen({ host: '127.0.0.1', port: 0 });
const url = `http://127.0.0.1:${(service.app.server.address() as AddressInfo).port}/`;
const browser = await chromium.launch({
  executablePath: CHROMIUM,
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
    '--disable-component-update', '--disable-sync', '--use-fake-ui-for-media-stream', '--use-fake-device-for-media-stream',
    `--use-file-for-fake-video-capture=${fakeCamera}`],
});

const percentile = (sorted: number[], p: number): number => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? NaN;
console.log(`dashboard webcam mode, ${seconds} s per rate, pool ${config.poolSize} threads, ${url}`);
console.log('send fps | results/s | sent | dropped here | dropped by server | latency p50 / p95 ms | faces/result');
try {
  for (const fps of rates) {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    await page.goto(url);
    await page.selectOption('#webcam-fps', String(fps));
    await page.click('#webcam-toggle');
    await page.waitForFunction(() => window.__facestream.webcam.results >= 3, undefined, { timeout: 60_000 });
    const before = await page.evaluate(() => ({ ...window.__facestream.webcam, recentLatencies: [] as number[] }));
    await page.evaluate(() => {
      window.__facestream.webcam.recentLatencies.length = 0;
    });
    let faces = 0;
    let polls = 0;
    const until = Date.now() + seconds * 1000;
    while (Date.now() < until) {
      await page.waitForTimeout(250);
      faces += await page.evaluate(() => window.__facestream.webcam.facesInLastResult);
      polls += 1;
    }
    const after = await page.evaluate(() => window.__facestream.webcam);
    const latencies = [...after.recentLatencies].sort((a, b) => a - b);
    const results = after.results - before.results;
    console.log(
      [
        String(fps).padStart(8),
        (results / seconds).toFixed(1).padStart(9),
        String(after.sent - before.sent).padStart(4),
        String(after.droppedLocal - before.droppedLocal).padStart(12),
        String(after.droppedServer - before.droppedServer).padStart(17),
        `${percentile(latencies, 0.5).toFixed(0)} / ${percentile(latencies, 0.95).toFixed(0)}`.padStart(20),
        (faces / polls).toFixed(2).padStart(12),
      ].join(' | '),
    );
    await page.close();
  }
} finally {
  await browser.close();
  await service.close();
  await rm(work, { recursive: true, force: true });
}
