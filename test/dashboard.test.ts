import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { build } from 'esbuild';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EMOTION_LABELS } from '../src/protocol/index.js';
import { loadConfig, type Config } from '../src/server/config.js';
import { createService, type Service } from '../src/server/service.js';
import { dataDir, dataFile, missingData } from './helpers/data.js';
import { startServer, type TestServer } from './helpers/server.js';

const CHROMIUM = '/usr/bin/chromium';
const FFMPEG = '/usr/bin/ffmpeg';
const CLIP = 'face_media/video/short_hamilton_clip.mp4';
const LENA = 'face_media/opencv_samples/lena.jpg';
const clipPath = dataFile(CLIP);
const lenaPath = dataFile(LENA);
const artifacts = resolve('test-artifacts');

const missingTool = [CHROMIUM, FFMPEG].find((path) => !existsSync(path));
const skipReason = missingTool ? `${missingTool} not found (apt-get install chromium ffmpeg)` : missingData(CLIP, LENA);
if (skipReason) console.warn(`test/dashboard.test.ts ${skipReason}`);

const LABEL_TEXT = new RegExp(`^#\\d+ (${EMOTION_LABELS.join('|')}) \\d+%$`);

describe.skipIf(skipReason !== undefined)(`dashboard in headless Chromium${skipReason ? ` (${skipReason})` : ''}`, () => {
  let workDir: string;
  let server: TestServer;
  let service: Service;
  let browser: Browser;
  let page: Page;
  let baseUrl: string;
  const pageErrors: string[] = [];
  const serverOptions = (): Partial<Config> => ({ poolSize: 1, dataDir, mediaDir: join(dataDir, 'face_media'), stateDir: join(workDir, 'state') });

  beforeAll(async () => {
    workDir = await mkdtemp(join(tmpdir(), 'facestream-dashboard-'));
    await mkdir(artifacts, { recursive: true });
    // Chromium's fake webcam plays a Y4M file in a loop: 8 s of the face clip, 640 px wide, 10 fps.
    const fakeCamera = join(workDir, 'webcam.y4m');
    execFileSync(FFMPEG, ['-loglevel', 'error', '-y', '-i', clipPath, '-t', '8', '-vf', 'scale=640:-2,fps=10', '-pix_fmt', 'yuv420p', fakeCamera]);

    server = await startServer(serverOptions());
    service = server.service;
    baseUrl = `${server.httpUrl}/`;

    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--use-fake-ui-for-media-stream',
        '--use-fake-device-for-media-stream',
        `--use-file-for-fake-video-capture=${fakeCamera}`,
      ],
    });
    page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    page.on('pageerror', (error) => pageErrors.push(String(error)));
  });

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    await rm(workDir, { recursive: true, force: true });
  });

  it('serves the page and its local bundle at /', async () => {
    const html = await service.app.inject({ method: 'GET', url: '/' });
    expect(html.statusCode).toBe(200);
    expect(html.headers['content-type']).toMatch(/text\/html/);
    expect(html.body).toContain('src="app.js"');
    const js = await service.app.inject({ method: 'GET', url: '/app.js' });
    expect(js.statusCode).toBe(200);
    expect(js.headers['content-type']).toMatch(/javascript/);
    // Unknown API paths keep their JSON 404 rather than falling into the static files.
    const api404 = await service.app.inject({ method: 'GET', url: '/v1/no-such-thing' });
    expect(api404.statusCode).toBe(404);
    expect(api404.json()).toMatchObject({ type: 'error', code: 'NOT_FOUND' });

    await page.goto(baseUrl);
    await page.waitForSelector('body[data-ready="true"]');
    expect(await page.title()).toBe('facestream');
  });

  it('streams the fake webcam and draws a labelled box over the face', async () => {
    await page.goto(baseUrl);
    await page.click('#webcam-toggle');
    await page.waitForFunction(() => window.__facestream.webcam.results >= 3 && window.__facestream.webcam.facesInLastResult >= 1, undefined, { timeout: 45_000 });
    // Read the box and the video in one go: boxes follow the stream and may move between calls.
    const drawn = await page.waitForFunction(() => {
      const box = document.querySelector<HTMLElement>('#webcam-overlay .face-box:not([hidden])');
      if (!box) return undefined;
      const r = box.getBoundingClientRect();
      const v = document.getElementById('webcam-video')!.getBoundingClientRect();
      return { emotion: box.dataset.emotion, label: box.querySelector('.face-label')?.textContent, box: [r.left, r.top, r.right, r.bottom], video: [v.left, v.top, v.right, v.bottom] };
    }, undefined, { timeout: 20_000 });
    const { emotion, label, box, video } = (await drawn.jsonValue())!;
    expect(EMOTION_LABELS).toContain(emotion);
    expect(label).toMatch(LABEL_TEXT);
    const [left, top, right, bottom] = box;
    const [vLeft, vTop, vRight, vBottom] = video;
    expect(right! - left!).toBeGreaterThan(20);
    expect(left).toBeGreaterThanOrEqual(vLeft! - 1);
    expect(top).toBeGreaterThanOrEqual(vTop! - 1);
    expect(right).toBeLessThanOrEqual(vRight! + 1);
    expect(bottom).toBeLessThanOrEqual(vBottom! + 1);

    const status = await page.evaluate(() => window.__facestream.webcam);
    expect(status.connection).toBe('open');
    expect(status.error).toBeNull();
    await expect.poll(() => page.evaluate(() => window.__facestream.webcam.fps), { timeout: 5000 }).toBeGreaterThan(0);
    await expect.poll(() => page.locator('#webcam-faces .face-card').count()).toBeGreaterThanOrEqual(1);
    await page.screenshot({ path: join(artifacts, 'dashboard-webcam.png') });
  });

  // Continues the webcam stream the previous test started.
  it('shows fps, latency and drops, and the emotion timeline grows', async () => {
    const before = await page.evaluate(() => window.__facestream.webcam.timelineSamples);
    await expect.poll(() => page.evaluate(() => window.__facestream.webcam.timelineSamples), { timeout: 20_000 }).toBeGreaterThan(before + 3);
    const stats = await page.locator('#webcam-stats').textContent();
    expect(stats).toMatch(/results\/s\s*\d+\.\d/);
    expect(stats).toMatch(/latency\s*\d+ ms/);
    expect(stats).toMatch(/dropped here\s*\d+/);
    // The chart is painted in emotion colours (saturated pixels; background, grid and text are grey).
    const colouredPixels = (): Promise<number> =>
      page.evaluate(() => {
        const canvas = document.getElementById('webcam-timeline') as HTMLCanvasElement;
        const { data } = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height);
        let coloured = 0;
        for (let i = 0; i < data.length; i += 4) {
          const [r, g, b] = [data[i]!, data[i + 1]!, data[i + 2]!];
          if (Math.max(r, g, b) - Math.min(r, g, b) > 80) coloured += 1;
        }
        return coloured;
      });
    await expect.poll(colouredPixels, { timeout: 5000 }).toBeGreaterThan(50);
    await page.screenshot({ path: join(artifacts, 'dashboard-timeline.png') });
    await page.click('#webcam-toggle');
    await expect.poll(() => page.evaluate(() => window.__facestream.webcam.running)).toBe(false);
  });

  it('draws the faces and emotions of an uploaded photo', async () => {
    await page.goto(baseUrl);
    await page.click('a[href="#upload"]');
    await page.waitForSelector('#view-upload:not([hidden])');
    await page.setInputFiles('#upload-file', lenaPath);
    await page.waitForFunction(() => ['done', 'error'].includes(window.__facestream.upload.status), undefined, { timeout: 30_000 });
    const upload = await page.evaluate(() => window.__facestream.upload);
    expect(upload.error).toBeNull();
    expect(upload.faces.length).toBeGreaterThanOrEqual(1);
    const box = page.locator('#upload-overlay .face-box:not([hidden])').first();
    expect(await box.locator('.face-label').textContent()).toMatch(LABEL_TEXT);
    expect(await page.locator('#upload-faces .face-card .bar').count()).toBe(7 * upload.faces.length);
    await page.screenshot({ path: join(artifacts, 'dashboard-upload.png') });
  });

  it('adds a camera from the form, shows it live with faces, and removes it', async (context) => {
    if (!service.app.hasRoute({ method: 'GET', url: '/v1/cameras' })) context.skip('the app does not register the cameras plugin');
    await page.goto(baseUrl);
    await page.click('a[href="#cameras"]');
    await page.waitForSelector('#view-cameras:not([hidden])');
    await page.fill('#camera-form input[name="name"]', 'hamilton');
    await page.fill('#camera-form input[name="url"]', `file://${clipPath}`);
    await page.click('#camera-form button[type="submit"]');
    const card = page.locator('.camera-card').filter({ hasText: 'hamilton' });
    await card.waitFor({ timeout: 10_000 });
    const id = (await card.getAttribute('data-camera-id'))!;
    await page.waitForFunction(
      (cameraId) => {
        const camera = window.__facestream.cameras[cameraId];
        return camera !== undefined && camera.state === 'live' && camera.results >= 2 && camera.facesInLastResult >= 1;
      },
      id,
      { timeout: 45_000 },
    );
    await page.screenshot({ path: join(artifacts, 'dashboard-cameras.png') });
    expect(await card.locator('.conn').textContent()).toBe('live');
    const label = await card.locator('.overlay').evaluate((overlay) => overlay.querySelector('.face-box:not([hidden]) .face-label')?.textContent ?? null);
    // The clip's speaker turns to profile at times: a later result may have no face, but the page drew one.
    if (label !== null) expect(label).toMatch(LABEL_TEXT);
    await card.getByRole('button', { name: 'Remove' }).click();
    await card.waitFor({ state: 'detached', timeout: 10_000 });
    const list = await service.app.inject({ method: 'GET', url: '/v1/cameras' });
    expect((list.json() as { cameras: unknown[] }).cameras).toHaveLength(0);
  });

  it('the SDK sends ImageBitmap, canvas, OffscreenCanvas, <img> and byte frames from the browser', async () => {
    const sdk = await build({
      entryPoints: [resolve('client/sdk/src/index.ts')],
      bundle: true,
      format: 'iife',
      globalName: 'FaceStreamSDK',
      platform: 'browser',
      external: ['ws'],
      write: false,
      logLevel: 'silent',
    });
    await page.goto(baseUrl);
    await page.addScriptTag({ content: sdk.outputFiles[0]!.text });
    const lenaBase64 = (await readFile(lenaPath)).toString('base64');
    const facesPerInput = await page.evaluate(async ({ base64, url }) => {
      const { StreamClient } = (window as unknown as { FaceStreamSDK: typeof import('../client/sdk/src/index.js') }).FaceStreamSDK;
      const bytes = Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
      const blob = new Blob([bytes], { type: 'image/jpeg' });
      const bitmap = await createImageBitmap(blob);
      const canvas = document.createElement('canvas');
      canvas.width = bitmap.width;
      canvas.height = bitmap.height;
      canvas.getContext('2d')!.drawImage(bitmap, 0, 0);
      const offscreen = new OffscreenCanvas(bitmap.width, bitmap.height);
      offscreen.getContext('2d')!.drawImage(bitmap, 0, 0);
      const img = new Image();
      img.src = URL.createObjectURL(blob);
      await img.decode();
      const client = new StreamClient({ url });
      await client.connect();
      const inputs = { imageBitmap: bitmap, canvas, offscreenCanvas: offscreen, img, bytes };
      const faces: Record<string, number> = {};
      for (const [name, input] of Object.entries(inputs)) faces[name] = (await client.analyze(input)).faces.length;
      client.close();
      return faces;
    }, { base64: lenaBase64, url: baseUrl });
    expect(facesPerInput).toEqual({ imageBitmap: 1, canvas: 1, offscreenCanvas: 1, img: 1, bytes: 1 });
  });

  it('keeps streaming after the server restarts: the page reconnects by itself', async () => {
    await page.goto(baseUrl);
    await page.click('#webcam-toggle');
    await page.waitForFunction(() => window.__facestream.webcam.results >= 2, undefined, { timeout: 30_000 });
    const port = Number(new URL(baseUrl).port);
    await server.close();
    await page.waitForFunction(() => window.__facestream.webcam.connection === 'reconnecting', undefined, { timeout: 10_000 });
    const before = await page.evaluate(() => window.__facestream.webcam.results);
    const config = loadConfig(process.env, { ...serverOptions(), logLevel: 'warn', host: '127.0.0.1', port });
    const restarted = await createService(config);
    await restarted.app.listen({ host: '127.0.0.1', port });
    server = { ...server, service: restarted, config, close: () => restarted.close() };
    service = restarted;
    await page.waitForFunction((n) => window.__facestream.webcam.connection === 'open' && window.__facestream.webcam.results > n + 2, before, { timeout: 30_000 });
    expect(await page.locator('#webcam-stats').textContent()).toMatch(/reconnects\s*1/);
    await page.click('#webcam-toggle');
  });

  it('raised no page errors', () => {
    expect(pageErrors).toEqual([]);
  });
});
