import { EMOTION_LABELS, type Face, type Scores } from '../../sdk/src/index.js';
import { EMOTION_COLORS } from './emotion-colors.js';

interface Track {
  id: number;
  /** Sample times (ms since epoch) and scores, oldest first, bounded by maxSamples. */
  times: number[];
  scores: Scores[];
  lastSeen: number;
}

export interface TimelineOptions {
  /** How far back the chart goes at most (default 2 minutes). */
  windowMs?: number;
  /** The chart starts this wide and widens with the data up to windowMs (default 30 s). */
  minWindowMs?: number;
  /** Face rows drawn at most; the most recently seen win (default 4). */
  maxRows?: number;
  /** Samples kept per face (default 3000, i.e. 25 fps over 2 minutes). */
  maxSamples?: number;
}

const AXIS_HEIGHT = 18;
const LABEL_WIDTH = 64;
/** Gaps longer than this are left blank instead of stretching the last sample. */
const MAX_GAP_MS = 1500;

/**
 * Emotion timeline per face track: one band per face where each moment is a column stacked by
 * the emotion probabilities, so the dominant emotion reads as the widest colour.
 */
export class EmotionTimeline {
  readonly #canvas: HTMLCanvasElement;
  readonly #ctx: CanvasRenderingContext2D;
  readonly #maxWindowMs: number;
  readonly #minWindowMs: number;
  #windowMs: number;
  #firstSample: number | undefined;
  readonly #maxRows: number;
  readonly #maxSamples: number;
  readonly #tracks = new Map<number, Track>();
  #samples = 0;

  constructor(canvas: HTMLCanvasElement, options: TimelineOptions = {}) {
    const ctx = canvas.getContext('2d');
    if (!ctx) throw new Error('no 2D canvas context for the timeline');
    this.#canvas = canvas;
    this.#ctx = ctx;
    // The height attribute sets the displayed height; the bitmap then follows the displayed size.
    canvas.style.height = `${canvas.height}px`;
    this.#maxWindowMs = options.windowMs ?? 120_000;
    this.#minWindowMs = Math.min(options.minWindowMs ?? 30_000, this.#maxWindowMs);
    this.#windowMs = this.#minWindowMs;
    this.#maxRows = options.maxRows ?? 4;
    this.#maxSamples = options.maxSamples ?? 3000;
  }

  /** Samples recorded since the timeline was created. */
  get samples(): number {
    return this.#samples;
  }

  get trackIds(): number[] {
    return [...this.#tracks.keys()];
  }

  add(ts: number, faces: readonly Face[]): void {
    if (faces.length > 0) this.#firstSample ??= ts;
    for (const face of faces) {
      let track = this.#tracks.get(face.id);
      if (!track) this.#tracks.set(face.id, (track = { id: face.id, times: [], scores: [], lastSeen: ts }));
      track.times.push(ts);
      track.scores.push(face.scores);
      track.lastSeen = ts;
      if (track.times.length > this.#maxSamples) {
        track.times.shift();
        track.scores.shift();
      }
      this.#samples += 1;
    }
  }

  draw(now = Date.now()): void {
    const { width, height } = this.#fitToDisplay();
    const ctx = this.#ctx;
    // Widen in 30 s steps as data accumulates, so the first seconds are not a sliver.
    const span = this.#firstSample === undefined ? 0 : now - this.#firstSample;
    this.#windowMs = Math.min(this.#maxWindowMs, Math.max(this.#minWindowMs, Math.ceil(span / 30_000) * 30_000));
    const start = now - this.#windowMs;
    this.#forgetBefore(start);
    ctx.clearRect(0, 0, width, height);
    if (width === 0 || height === 0) return;
    const rows = [...this.#tracks.values()].sort((a, b) => b.lastSeen - a.lastSeen).slice(0, this.#maxRows).sort((a, b) => a.id - b.id);
    const plotW = width - LABEL_WIDTH;
    const plotH = height - AXIS_HEIGHT;
    const xOf = (t: number): number => LABEL_WIDTH + ((t - start) / this.#windowMs) * plotW;
    ctx.font = '12px system-ui, sans-serif';
    ctx.textBaseline = 'middle';
    if (rows.length === 0) {
      ctx.fillStyle = '#8b95a3';
      ctx.fillText('Waiting for faces…', LABEL_WIDTH, plotH / 2);
    }
    const rowH = rows.length > 0 ? plotH / rows.length : plotH;
    rows.forEach((track, row) => {
      const top = row * rowH;
      const bandH = rowH - 4;
      ctx.fillStyle = '#8b95a3';
      ctx.fillText(`face #${track.id}`, 6, top + rowH / 2);
      let lastX = -1;
      for (let i = 0; i < track.times.length; i++) {
        const t = track.times[i] ?? 0;
        const scores = track.scores[i];
        if (t < start || !scores) continue;
        const x = Math.floor(xOf(t));
        if (x === lastX) continue;
        const next = track.times[i + 1];
        const until = next !== undefined && next - t <= MAX_GAP_MS ? next : Math.min(now, t + 200);
        const w = Math.max(1, Math.ceil(xOf(until)) - x);
        let y = top + 2;
        for (const label of EMOTION_LABELS) {
          const h = scores[label] * bandH;
          ctx.fillStyle = EMOTION_COLORS[label];
          ctx.fillRect(x, y, w, h + 0.5);
          y += h;
        }
        lastX = x;
      }
    });
    this.#drawAxis(plotH, plotW);
  }

  /** Matches the bitmap to the displayed size and pixel ratio; returns the size in CSS pixels. */
  #fitToDisplay(): { width: number; height: number } {
    const canvas = this.#canvas;
    const width = canvas.clientWidth;
    const height = canvas.clientHeight;
    const ratio = globalThis.devicePixelRatio || 1;
    const bitmapW = Math.round(width * ratio);
    const bitmapH = Math.round(height * ratio);
    if (width > 0 && (canvas.width !== bitmapW || canvas.height !== bitmapH)) {
      canvas.width = bitmapW;
      canvas.height = bitmapH;
    }
    this.#ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
    return { width, height };
  }

  #drawAxis(plotH: number, plotW: number): void {
    const ctx = this.#ctx;
    ctx.fillStyle = '#8b95a3';
    ctx.strokeStyle = '#2c333d';
    ctx.textBaseline = 'top';
    const stepMs = this.#windowMs > 60_000 ? 30_000 : this.#windowMs > 30_000 ? 10_000 : 5_000;
    for (let ago = 0; ago <= this.#windowMs; ago += stepMs) {
      const x = LABEL_WIDTH + plotW - (ago / this.#windowMs) * plotW;
      ctx.beginPath();
      ctx.moveTo(x + 0.5, 0);
      ctx.lineTo(x + 0.5, plotH);
      ctx.stroke();
      const text = ago === 0 ? 'now' : `-${ago / 1000}s`;
      ctx.textAlign = ago === 0 ? 'right' : 'center';
      ctx.fillText(text, x, plotH + 3);
    }
    ctx.textAlign = 'left';
    ctx.textBaseline = 'middle';
  }

  #forgetBefore(start: number): void {
    for (const [id, track] of this.#tracks) {
      if (track.lastSeen < start) {
        this.#tracks.delete(id);
        continue;
      }
      let drop = 0;
      while (drop < track.times.length - 1 && (track.times[drop + 1] ?? 0) < start) drop += 1;
      if (drop > 0) {
        track.times.splice(0, drop);
        track.scores.splice(0, drop);
      }
    }
  }
}
