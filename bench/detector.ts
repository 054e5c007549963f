// Face detector comparison: Haar cascades and settings, scored on the dlib face-box set at the
// photos' own resolution (43 hand-drawn boxes, many ~37 px, on 9 photos of about 500 px: recall and
// precision at IoU >= 0.3; detectWidth does not apply there) and on the
// Hamilton clip letterboxed to 640x480 (share of sampled frames with a face; every frame of it shows
// one performer, mostly frontal), with detection time per 640x480 frame. Same code as the workers.
//   npx tsx bench/detector.ts [--frames 40]
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import sharp from 'sharp';
import { iou } from '../src/inference/face-tracker.js';
import { createHaarDetector, type Detect } from '../src/inference/haar-detector.js';
import type { Box } from '../src/protocol/messages.js';
import type { DetectOptions } from '../src/inference/detector-task.js';
import { loadOpenCv } from '../src/inference/opencv.js';
import { loadConfig } from '../src/server/config.js';

const { values } = parseArgs({ options: { frames: { type: 'string', default: '40' } } });
const config = loadConfig();
const dlibDir = join(config.dataDir, 'dlib_faces_det');
const clip = join(config.dataDir, 'face_media/video/short_hamilton_clip.mp4');

interface Image { pixels: Uint8Array; width: number; height: number; truth: Box[] }

async function grey(source: string | Buffer): Promise<{ pixels: Uint8Array; width: number; height: number }> {
  const { data, info } = await sharp(source).greyscale().raw().toBuffer({ resolveWithObject: true });
  return { pixels: new Uint8Array(data), width: info.width, height: info.height };
}

async function dlibImages(): Promise<Image[]> {
  const images: Image[] = [];
  for (const file of ['training.xml', 'testing.xml']) {
    const xml = readFileSync(join(dlibDir, file), 'utf8');
    for (const [, name, body] of xml.matchAll(/<image file='([^']+)'[^>]*>([\s\S]*?)<\/image>/g)) {
      const truth = [...body!.matchAll(/top='(\d+)' left='(\d+)' width='(\d+)' height='(\d+)'/g)].map(([, t, l, w, h]) => ({ x: +l!, y: +t!, w: +w!, h: +h! }));
      images.push({ ...(await grey(join(dlibDir, name!))), truth });
    }
  }
  return images;
}

async function clipFrames(count: number): Promise<Image[]> {
  const frames: Image[] = [];
  for (let i = 0; i < count; i++) {
    const png = execFileSync(config.ffmpegPath || 'ffmpeg', ['-v', 'error', '-ss', String((i * 9.8) / count), '-i', clip, '-frames:v', '1',
      '-vf', 'scale=640:480:force_original_aspect_ratio=decrease,pad=640:480:(ow-iw)/2:(oh-ih)/2', '-f', 'image2', '-c:v', 'png', 'pipe:1']);
    frames.push({ ...(await grey(png)), truth: [] });
  }
  return frames;
}

function run(detect: Detect, image: Image, options: DetectOptions): { boxes: Box[]; ms: number } {
  const result = detect({ pixels: image.pixels, width: image.width, height: image.height, options });
  return { boxes: result.boxes, ms: result.detectMs };
}

const { cv } = await loadOpenCv();
const dlib = await dlibImages();
const frames = await clipFrames(Number(values.frames));
const cascades = ['haarcascade_frontalface_default.xml', 'haarcascade_frontalface_alt2.xml'];
const base: DetectOptions = {
  detectWidth: 320, equalize: false, scaleFactor: 1.2, minNeighbors: 4, minSize: 24, maxFaces: 32,
  size: 48, crop: { scale: 1, offsetY: 0 }, normalize: { scale: 1 / 255, mean: 0, std: 1 },
};
const variants: Partial<DetectOptions>[] = [
  {}, { equalize: true }, { scaleFactor: 1.1 }, { scaleFactor: 1.1, equalize: true }, { minNeighbors: 3 },
  { detectWidth: 640 }, { detectWidth: 640, scaleFactor: 1.1 },
];

console.log(`dlib set: ${dlib.length} photos, ${dlib.reduce((n, i) => n + i.truth.length, 0)} faces; clip: ${frames.length} frames 640x480`);
console.log('cascade   detectW  scale  neigh  equalize | dlib recall  precision | clip frames with face | ms/640x480 frame');
for (const file of cascades) {
  const detect = createHaarDetector(cv, readFileSync(resolve(config.modelDir, file)), file);
  for (const variant of variants) {
    const options = { ...base, ...variant };
    let hits = 0, found = 0, truths = 0;
    for (const image of dlib) {
      const { boxes } = run(detect, image, { ...options, detectWidth: image.width });
      found += boxes.length;
      truths += image.truth.length;
      const used = new Set<number>();
      for (const t of image.truth) {
        const j = boxes.findIndex((b, k) => !used.has(k) && iou(b, t) >= 0.3);
        if (j >= 0) { used.add(j); hits++; }
      }
    }
    let withFace = 0, ms = 0;
    for (const frame of frames) {
      const r = run(detect, frame, options);
      if (r.boxes.length > 0) withFace++;
      ms += r.ms;
    }
    const name = file.includes('alt2') ? 'alt2   ' : 'default';
    console.log(`${name}   ${String(options.detectWidth).padStart(6)}  ${options.scaleFactor.toFixed(1).padStart(5)}  ${String(options.minNeighbors).padStart(5)}  ${String(options.equalize).padStart(8)} | ${(hits / truths).toFixed(2).padStart(11)}  ${(found ? hits / found : 0).toFixed(2).padStart(9)} | ${`${withFace}/${frames.length}`.padStart(21)} | ${(ms / frames.length).toFixed(1).padStart(16)}`);
  }
}
