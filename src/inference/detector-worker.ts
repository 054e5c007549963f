/** piscina task file: one OpenCV wasm instance and Haar detector per worker thread, loaded once. */
import { readFileSync } from 'node:fs';
import { workerData } from 'node:worker_threads';
import type { DetectResult, DetectTask, DetectorWorkerData } from './detector-task.js';
import { createHaarDetector } from './haar-detector.js';
import { loadOpenCv } from './opencv.js';

const { cascadePath } = workerData as DetectorWorkerData;
const detector = loadOpenCv().then(({ cv }) => ({ detect: createHaarDetector(cv, readFileSync(cascadePath)) }));

export default async function detect(task: DetectTask): Promise<DetectResult> {
  return (await detector).detect(task);
}
