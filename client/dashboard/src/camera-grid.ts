import { CameraSubscription, type ResultMessage } from '../../sdk/src/index.js';
import { addCamera, listCameras, removeCamera, type ApiContext, type CameraInfo } from './api.js';
import { EmotionTimeline } from './emotion-timeline.js';
import { FaceOverlay } from './face-overlay.js';
import { status, type DashboardStatus } from './status.js';

const REFRESH_MS = 5000;

interface CameraCard {
  root: HTMLElement;
  subscription: CameraSubscription;
  timeline: EmotionTimeline;
  meta: HTMLElement;
  info: CameraInfo;
  resultTimes: number[];
  lastResult: ResultMessage | undefined;
}

function el<K extends keyof HTMLElementTagNameMap>(tag: K, className?: string, text?: string): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  if (className) element.className = className;
  if (text !== undefined) element.textContent = text;
  return element;
}

/** Camera grid: registered cameras with live state, preview, boxes and timeline; add/remove form. */
export function mountCameraGrid(api: ApiContext): { activate(): void; deactivate(): void } {
  const grid = document.getElementById('camera-grid') as HTMLElement;
  const empty = document.getElementById('camera-empty') as HTMLElement;
  const form = document.getElementById('camera-form') as HTMLFormElement;
  const formStatus = document.getElementById('camera-form-status') as HTMLElement;
  const cards = new Map<string, CameraCard>();
  let refreshTimer: ReturnType<typeof setInterval> | undefined;
  let drawTimer: ReturnType<typeof setInterval> | undefined;

  const say = (text: string, isError = false): void => {
    formStatus.textContent = text;
    formStatus.classList.toggle('error', isError);
  };

  const createCard = (info: CameraInfo): CameraCard => {
    const root = el('article', 'camera-card');
    root.dataset.cameraId = info.id;
    const header = el('header');
    const badge = el('span', 'conn', info.state ?? 'connecting');
    badge.dataset.state = info.state ?? 'connecting';
    const remove = el('button', 'secondary', 'Remove');
    remove.type = 'button';
    remove.addEventListener('click', () => {
      remove.disabled = true;
      removeCamera(api, info.id)
        .then(() => {
          say(`removed ${info.name || info.id}`);
          dropCard(info.id);
        })
        .catch((error: unknown) => {
          remove.disabled = false;
          say(String(error instanceof Error ? error.message : error), true);
        });
    });
    const title = el('h3', undefined, info.name || info.id);
    title.title = info.id;
    header.append(title, badge, remove);
    const stage = el('div', 'stage');
    const img = el('img');
    img.alt = `camera ${info.id}`;
    img.hidden = true;
    const overlayHost = el('div', 'overlay');
    stage.append(img, overlayHost);
    const meta = el('div', 'camera-meta', info.url ?? '');
    const canvas = el('canvas', 'timeline');
    canvas.height = 100;
    root.append(header, stage, meta, canvas);

    const overlay = new FaceOverlay(overlayHost);
    const timeline = new EmotionTimeline(canvas, { maxRows: 3 });
    const subscription = new CameraSubscription(info.id, { url: api.baseUrl, token: api.token() || undefined, preview: true });
    const card: CameraCard = { root, subscription, timeline, meta, info, resultTimes: [], lastResult: undefined };
    const camStatus: DashboardStatus['cameras'][string] = (status.cameras[info.id] = { connection: 'idle', state: info.state ?? null, results: 0, facesInLastResult: 0, timelineSamples: 0 });

    const showState = (text: string): void => {
      badge.dataset.state = text;
      badge.textContent = text;
    };
    subscription.on('connection', (s) => {
      camStatus.connection = s;
      if (s !== 'open') showState(s === 'reconnecting' ? 'reconnecting' : s);
    });
    subscription.on('camera-state', (message) => {
      camStatus.state = message.state;
      showState(message.state);
      badge.title = message.reason ?? '';
    });
    subscription.on('preview', (message) => {
      img.src = message.jpeg;
      img.hidden = false;
    });
    subscription.on('result', (result) => {
      const now = Date.now();
      card.lastResult = result;
      card.resultTimes.push(now);
      stage.style.aspectRatio = `${result.width} / ${result.height}`;
      overlay.draw(result.faces);
      timeline.add(now, result.faces);
      camStatus.results += 1;
      camStatus.facesInLastResult = result.faces.length;
      camStatus.timelineSamples = timeline.samples;
    });
    subscription.on('error', (error) => {
      badge.title = `${error.code}: ${error.message}`;
    });
    subscription.start();
    return card;
  };

  const dropCard = (id: string): void => {
    const card = cards.get(id);
    if (!card) return;
    card.subscription.close();
    card.root.remove();
    cards.delete(id);
    delete status.cameras[id];
    empty.hidden = cards.size > 0;
  };

  const drawCards = (): void => {
    const now = Date.now();
    for (const card of cards.values()) {
      while (card.resultTimes.length > 0 && (card.resultTimes[0] ?? 0) < now - 2000) card.resultTimes.shift();
      const last = card.lastResult;
      const latency = last ? Math.max(0, last.sentTs - last.captureTs) : undefined;
      const parts = [
        card.info.url ?? '',
        `${(card.resultTimes.length / 2).toFixed(1)} results/s`,
        `${last?.faces.length ?? 0} faces`,
        latency === undefined ? 'latency –' : `server latency ${Math.round(latency)} ms`,
        `dropped ${last?.droppedTotal ?? 0}`,
      ];
      card.meta.textContent = parts.filter(Boolean).join(' · ');
      card.timeline.draw(now);
    }
  };

  const refresh = async (): Promise<void> => {
    let cameras: CameraInfo[];
    try {
      cameras = await listCameras(api);
    } catch (error) {
      say(error instanceof Error ? error.message : String(error), true);
      return;
    }
    const ids = new Set(cameras.map((c) => c.id));
    for (const id of cards.keys()) if (!ids.has(id)) dropCard(id);
    for (const info of cameras) {
      const card = cards.get(info.id);
      if (card) {
        card.info = info;
        continue;
      }
      const created = createCard(info);
      cards.set(info.id, created);
      grid.append(created.root);
    }
    empty.hidden = cards.size > 0;
  };

  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const data = new FormData(form);
    const name = String(data.get('name') ?? '').trim();
    const camera = name ? { url: String(data.get('url') ?? '').trim(), name } : { url: String(data.get('url') ?? '').trim() };
    say(`adding ${name || camera.url}…`);
    addCamera(api, camera)
      .then((added) => {
        say(`added ${added.name || added.id}`);
        form.reset();
        return refresh();
      })
      .catch((error: unknown) => say(error instanceof Error ? error.message : String(error), true));
  });

  return {
    activate(): void {
      void refresh();
      refreshTimer ??= setInterval(() => void refresh(), REFRESH_MS);
      drawTimer ??= setInterval(drawCards, 500);
    },
    deactivate(): void {
      clearInterval(refreshTimer);
      clearInterval(drawTimer);
      refreshTimer = drawTimer = undefined;
      for (const id of [...cards.keys()]) dropCard(id);
    },
  };
}
