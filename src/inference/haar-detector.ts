import type * as CV from '@techstark/opencv-js';
import type { Box } from '../protocol/messages.js';
import type { DetectResult, DetectTask } from './detector-task.js';
import { loadCascade, type OpenCv } from './opencv.js';

const roundHalfUp = (v: number): number => Math.floor(v + 0.5);

export type Detect = (task: DetectTask) => DetectResult;

/**
 * Haar face detection plus the classifier's face crop, on one OpenCV instance. Mats are reused
 * across frames. The crop rule matches training/facecrop.py: a square of side round(w * scale)
 * centred on the box (shifted down by offsetY * h), border replicated, INTER_AREA to size x size.
 */
export function createHaarDetector(cv: OpenCv, cascadeXml: Uint8Array, name = 'cascade.xml'): Detect {
  const cascade = loadCascade(cv, cascadeXml, name);
  const frame = new cv.Mat();
  const small = new cv.Mat();
  const padded = new cv.Mat();
  const face = new cv.Mat();

  function findBoxes(task: DetectTask): Box[] {
    const { width, height, options } = task;
    const scale = Math.min(1, options.detectWidth / width);
    const smallSize = new cv.Size(Math.max(1, Math.round(width * scale)), Math.max(1, Math.round(height * scale)));
    cv.resize(frame, small, smallSize, 0, 0, cv.INTER_AREA);
    if (options.equalize) cv.equalizeHist(small, small);
    const found = new cv.RectVector();
    try {
      cascade.detectMultiScale(
        small, found, options.scaleFactor, options.minNeighbors, 0,
        new cv.Size(options.minSize, options.minSize), new cv.Size(0, 0),
      );
      const rects: CV.Rect[] = [];
      for (let i = 0; i < found.size(); i++) rects.push(found.get(i));
      rects.sort((a, b) => b.width * b.height - a.width * a.height);
      return rects.slice(0, options.maxFaces).map((r) => {
        const x = Math.round(r.x / scale);
        const y = Math.round(r.y / scale);
        return { x, y, w: Math.min(width - x, Math.round(r.width / scale)), h: Math.min(height - y, Math.round(r.height / scale)) };
      });
    } finally {
      found.delete();
    }
  }

  function cropFaces(task: DetectTask, boxes: Box[]): Float32Array {
    const { width, height, options: { size, crop, normalize } } = task;
    const faces = new Float32Array(boxes.length * size * size);
    const faceSize = new cv.Size(size, size);
    for (const [f, { x, y, w, h }] of boxes.entries()) {
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
    return faces;
  }

  return (task) => {
    const started = performance.now();
    if (frame.rows !== task.height || frame.cols !== task.width) frame.create(task.height, task.width, cv.CV_8UC1);
    frame.data.set(task.pixels);
    const boxes = findBoxes(task);
    return { boxes, faces: cropFaces(task, boxes), detectMs: performance.now() - started };
  };
}
