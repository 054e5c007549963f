import { EMOTION_LABELS, type EmotionLabel } from '../../sdk/src/index.js';

/** One colour per FER label, used by boxes, bars, timelines and legends alike. */
export const EMOTION_COLORS: Readonly<Record<EmotionLabel, string>> = {
  angry: '#ff5d5d',
  disgust: '#9bd14b',
  fear: '#b07cff',
  happy: '#ffd23f',
  sad: '#4f8fff',
  surprise: '#ff9f3f',
  neutral: '#a7b0bc',
};

export function renderLegend(host: HTMLElement): void {
  host.replaceChildren(
    ...EMOTION_LABELS.map((label) => {
      const span = document.createElement('span');
      span.textContent = label;
      span.style.setProperty('--c', EMOTION_COLORS[label]);
      return span;
    }),
  );
}
