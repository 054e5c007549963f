/**
 * piscina task file: one OpenCV wasm instance per worker thread, loaded once. Each task detects
 * faces on a downscaled copy of a grey frame and returns the boxes (source pixels) together with
 * the normalised classifier input for every face, cropped from the full-resolution frame.
 */
import { readFileSync } from 'node:fs';
import { workerData } from 'node:worker_threads';
import type * as CV from '@techstark/opencv-js';
import type { DetectResult, DetectTask, DetectorWorkerData } from './detector-task.js';
import { loadCascade, loadOpenCv } from './opencv.js';

const { cascadePath } = workerData as DetectorWorkerData;

const detector = loadOpenCv().then(({ cv }) => {
  const cascade = loadCascade(cv, readFileSync(cascadePath), 'cascade.xml');
  return { cv, cascade, frame: new cv.Mat(), small: new cv.Mat(), padded: new cv.Mat(), face: new cv.Mat() };
});

const roundHalfUp = (v: number): number => Math.floor(v + 0.5);

export default async function detect(task: DetectTask): Promise<DetectResult> {
  const { cv, cascade, frame, small, padded, face } = await detector;
  const started = performance.now();
  const { width, height, options } = task;

  if (frame.rows !== height || frame.cols !== width) frame.create(height, width, cv.CV_8UC1);
  frame.data.set(task.pixels);

  const scale = Math.min(1, options.detectWidth / width);
  const smallSize = new cv.Size(Math.max(1, Math.round(width * scale)), Math.max(1, Math.round(height * scale)));
  cv.resize(frame, small, smallSize, 0, 0, cv.INTER_AREA);
  cv.equalizeHist(small, small);

  const found = new cv.RectVector();
  let boxes: number[] = [];
  try {
    cascade.detectMultiScale(
      small, found, options.scaleFactor, options.minNeighbors, 0,
      new cv.Size(options.minSize, options.minSize), new cv.Size(0, 0),
    );
    const rects: CV.Rect[] = [];
    for (let i = 0; i < found.size(); i++) rects.push(found.get(i));
    rects.sort((a, b) => b.width * b.height - a.width * a.height);
    boxes = rects.slice(0, options.maxFaces).flatMap((r) => {
      const x = Math.round(r.x / scale);
      const y = Math.round(r.y / scale);
      return [x, y, Math.min(width - x, Math.round(r.width / scale)), Math.min(height - y, Math.round(r.height / scale))];
    });
  } finally {
    found.delete();
  }

  const { size, crop, normalize } = options;
  const faceCount = boxes.length / 4;
  const faces = new Float32Array(faceCount * size * size);
  const faceSize = new cv.Size(size, size);
  for (let f = 0; f < faceCount; f++) {
    const [x, y, w, h] = boxes.slice(f * 4, f * 4 + 4) as [number, number, number, number];
    const side = Math.max(1, roundHalfUp(w * crop.scale));
    const x0 = roundHalfUp(x + w / 2 - side / 2);
    const y0 = roundHalfUp(y + h / 2 + crop.offsetY * h - side / 2);
    const ix0 = Math.max(0, x0);
    const iy0 = Math.max(0, y0);
    const ix1 = Math.min(width, x0 + side);
    const iy1 = Math.min(height, y0 + side);
    const roi = frame.roi(new cv.Rect(ix0, iy0, ix1 - ix0, iy1 - iy0));
    try {
      cv.copyMakeBorder(roi, padded, iy0 - y0, y0 + side - iy1, ix0 - x0, x0 + side - ix1, cv.BORDER_REPLICATE);
    } finally {
      roi.delete();
    }
    cv.resize(padded, face, faceSize, 0, 0, cv.INTER_AREA);
    const pixels = face.data;
    const offset = f * size * size;
    for (let i = 0; i < size * size; i++) {
      faces[offset + i] = ((pixels[i] as number) * normalize.scale - normalize.mean) / normalize.std;
    }
  }
  return { boxes, faces, detectMs: performance.now() - started };
}
