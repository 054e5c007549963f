import { EMOTION_LABELS, type Face } from '../../sdk/src/index.js';
import { EMOTION_COLORS } from './emotion-colors.js';

/** Per-face cards with one confidence bar per emotion, strongest highlighted. */
export function renderFacePanel(host: HTMLElement, faces: readonly Face[], emptyText = 'No faces in view.'): void {
  if (faces.length === 0) {
    const p = document.createElement('p');
    p.className = 'muted';
    p.textContent = emptyText;
    host.replaceChildren(p);
    return;
  }
  host.replaceChildren(...faces.map(faceCard));
}

function faceCard(face: Face): HTMLElement {
  const card = document.createElement('div');
  card.className = 'face-card';
  card.dataset.faceId = String(face.id);
  const title = document.createElement('h3');
  title.textContent = `Face #${face.id}: ${face.emotion} (${Math.round(face.confidence * 100)}%)`;
  card.append(title);
  for (const label of EMOTION_LABELS) {
    const score = face.scores[label];
    const row = document.createElement('div');
    row.className = label === face.emotion ? 'bar top' : 'bar';
    row.style.setProperty('--c', EMOTION_COLORS[label]);
    const name = document.createElement('span');
    name.textContent = label;
    const track = document.createElement('span');
    track.className = 'track';
    const fill = document.createElement('span');
    fill.className = 'fill';
    fill.style.display = 'block';
    fill.style.width = `${(score * 100).toFixed(1)}%`;
    track.append(fill);
    const pct = document.createElement('span');
    pct.className = 'pct';
    pct.textContent = `${Math.round(score * 100)}%`;
    row.append(name, track, pct);
    card.append(row);
  }
  return card;
}
