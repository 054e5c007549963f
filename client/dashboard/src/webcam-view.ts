import { StreamClient, type ResultMessage } from '../../sdk/src/index.js';
import type { ApiContext } from './api.js';
import { EmotionTimeline } from './emotion-timeline.js';
import { FaceOverlay } from './face-overlay.js';
import { renderFacePanel } from './face-panel.js';
import { status, summarise } from './status.js';

/** Boxes older than this are taken off the video rather than left hanging. */
const STALE_RESULT_MS = 1500;

function byId<T extends HTMLElement>(id: string): T {
  const element = document.getElementById(id);
  if (!element) throw new Error(`#${id} missing from index.html`);
  return element as T;
}

/** Webcam mode: getUserMedia -> frames over the SDK -> boxes, bars, timeline and stream stats. */
export function mountWebcamView(api: ApiContext): void {
  const video = byId<HTMLVideoElement>('webcam-video');
  const toggle = byId<HTMLButtonElement>('webcam-toggle');
  const fpsSelect = byId<HTMLSelectElement>('webcam-fps');
  const conn = byId<HTMLElement>('webcam-conn');
  const statsHost = byId<HTMLElement>('webcam-stats');
  const facesHost = byId<HTMLElement>('webcam-faces');
  const overlay = new FaceOverlay(byId('webcam-overlay'));
  const timeline = new EmotionTimeline(byId<HTMLCanvasElement>('webcam-timeline'));
  const state = status.webcam;

  let client: StreamClient | undefined;
  let media: MediaStream | undefined;
  let captureTimer: ReturnType<typeof setTimeout> | undefined;
  let lastResultAt = 0;

  const showConnection = (text: string): void => {
    conn.dataset.state = text;
    conn.textContent = text;
  };

  const onResult = (result: ResultMessage): void => {
    lastResultAt = Date.now();
    overlay.draw(result.faces);
    renderFacePanel(facesHost, result.faces);
    const firstFaces = timeline.samples === 0 && result.faces.length > 0;
    timeline.add(lastResultAt, result.faces);
    // Otherwise the chart would say "waiting for faces" until the next 500 ms redraw.
    if (firstFaces) timeline.draw();
    state.facesInLastResult = result.faces.length;
    state.lastFaces = summarise(result.faces);
    state.timelineSamples = timeline.samples;
    state.recentLatencies.push(lastResultAt - result.captureTs);
    if (state.recentLatencies.length > 500) state.recentLatencies.shift();
  };

  const capture = (): void => {
    const current = client;
    if (!current) return;
    // While reconnecting, frames would only replace each other in the pending slot: skip encoding.
    if (current.state === 'open' && video.readyState >= HTMLMediaElement.HAVE_CURRENT_DATA) {
      current.send(video).catch((error: unknown) => {
        state.error = String(error);
      });
    }
    captureTimer = setTimeout(capture, 1000 / Number(fpsSelect.value));
  };

  const start = async (): Promise<void> => {
    state.error = null;
    toggle.disabled = true;
    if (!navigator.mediaDevices?.getUserMedia) {
      state.error = 'no camera access here: browsers allow webcams only on https:// or http://localhost';
      showConnection('no camera');
      toggle.disabled = false;
      return;
    }
    try {
      media = await navigator.mediaDevices.getUserMedia({ video: { width: { ideal: 640 }, height: { ideal: 480 } }, audio: false });
      video.srcObject = media;
      await video.play();
    } catch (error) {
      state.error = `camera unavailable: ${String(error)}`;
      showConnection('no camera');
      toggle.disabled = false;
      return;
    }
    client = new StreamClient({ url: api.baseUrl, token: api.token() || undefined });
    client.on('state', (s) => {
      state.connection = s;
      showConnection(s);
    });
    client.on('result', onResult);
    client.on('error', (error) => {
      state.error = `${error.code}: ${error.message}`;
    });
    client.connect().catch((error: unknown) => {
      state.error = String(error);
    });
    state.running = true;
    toggle.textContent = 'Stop webcam';
    toggle.disabled = false;
    capture();
  };

  const stop = (): void => {
    clearTimeout(captureTimer);
    client?.close();
    client = undefined;
    for (const track of media?.getTracks() ?? []) track.stop();
    media = undefined;
    video.srcObject = null;
    overlay.clear();
    state.running = false;
    toggle.textContent = 'Start webcam';
    showConnection('idle');
  };

  toggle.addEventListener('click', () => (client ? stop() : void start()));

  const renderStats = (): void => {
    const s = client?.stats;
    if (s) {
      Object.assign(state, {
        sent: s.sent,
        results: s.results,
        fps: s.fps,
        latencyMs: s.latencyMs,
        droppedLocal: s.droppedLocal,
        droppedServer: s.droppedServer,
      });
    }
    if (client && Date.now() - lastResultAt > STALE_RESULT_MS) overlay.clear();
    const rows: [string, string][] = [
      ['results/s', state.fps.toFixed(1)],
      ['latency', s ? `${Math.round(s.latencyMs)} ms (avg ${Math.round(s.latencyAvgMs)})` : '–'],
      ['frames sent', String(state.sent)],
      ['dropped here', String(state.droppedLocal)],
      ['dropped by server', String(state.droppedServer)],
      ['in flight', s ? `${s.inFlight} / ${client?.limits?.maxInFlight ?? '?'}` : '–'],
      ['reconnects', String(s?.reconnects ?? 0)],
    ];
    statsHost.replaceChildren(
      ...rows.flatMap(([k, v]) => {
        const dt = document.createElement('dt');
        dt.textContent = k;
        const dd = document.createElement('dd');
        dd.textContent = v;
        return [dt, dd];
      }),
    );
    if (state.error) {
      const dt = document.createElement('dt');
      dt.textContent = 'last error';
      const dd = document.createElement('dd');
      dd.textContent = state.error;
      statsHost.append(dt, dd);
    }
    timeline.draw();
  };
  renderStats();
  setInterval(renderStats, 500);
}
