import type { Face } from '../../sdk/src/index.js';
import { EMOTION_COLORS } from './emotion-colors.js';

/**
 * Draws face boxes and emotion labels as positioned elements over a video or image. Boxes use
 * the normalised coordinates, so they fit whatever size the media is displayed at. Elements are
 * reused between frames.
 */
export class FaceOverlay {
  readonly #host: HTMLElement;
  readonly #boxes: HTMLDivElement[] = [];

  constructor(host: HTMLElement) {
    this.#host = host;
  }

  draw(faces: readonly Face[]): void {
    while (this.#boxes.length < faces.length) {
      const box = document.createElement('div');
      box.className = 'face-box';
      const label = document.createElement('span');
      label.className = 'face-label';
      box.append(label);
      this.#host.append(box);
      this.#boxes.push(box);
    }
    this.#boxes.forEach((box, i) => {
      const face = faces[i];
      box.hidden = face === undefined;
      if (!face) return;
      const { x, y, w, h } = face.boxNorm;
      box.style.left = `${x * 100}%`;
      box.style.top = `${y * 100}%`;
      box.style.width = `${w * 100}%`;
      box.style.height = `${h * 100}%`;
      box.style.setProperty('--c', EMOTION_COLORS[face.emotion]);
      box.classList.toggle('label-below', y < 0.06);
      box.dataset.faceId = String(face.id);
      box.dataset.emotion = face.emotion;
      (box.firstChild as HTMLElement).textContent = `#${face.id} ${face.emotion} ${Math.round(face.confidence * 100)}%`;
    });
    this.#host.dataset.faces = String(faces.length);
  }

  clear(): void {
    this.draw([]);
  }
}
