import { initialToken, rememberToken, type ApiContext } from './api.js';
import { mountCameraGrid } from './camera-grid.js';
import { renderLegend } from './emotion-colors.js';
import { status } from './status.js';
import { mountUploadView } from './upload-view.js';
import { mountWebcamView } from './webcam-view.js';

const VIEWS = ['webcam', 'cameras', 'upload'] as const;
type View = (typeof VIEWS)[number];

const tokenInput = document.getElementById('token') as HTMLInputElement;
tokenInput.value = initialToken();
tokenInput.addEventListener('change', () => rememberToken(tokenInput.value));

const api: ApiContext = { baseUrl: new URL('.', location.href).toString(), token: () => tokenInput.value };

document.querySelectorAll<HTMLElement>('[data-legend]').forEach(renderLegend);
mountWebcamView(api);
mountUploadView(api);
const cameraGrid = mountCameraGrid(api);

function currentView(): View {
  const name = location.hash.slice(1);
  return (VIEWS as readonly string[]).includes(name) ? (name as View) : 'webcam';
}

function show(view: View): void {
  status.view = view;
  document.querySelectorAll<HTMLElement>('section[data-view]').forEach((section) => {
    section.hidden = section.dataset.view !== view;
  });
  document.querySelectorAll<HTMLElement>('[data-view-link]').forEach((link) => {
    if (link.dataset.viewLink === view) link.setAttribute('aria-current', 'page');
    else link.removeAttribute('aria-current');
  });
  if (view === 'cameras') cameraGrid.activate();
  else cameraGrid.deactivate();
  document.body.dataset.currentView = view;
}

window.addEventListener('hashchange', () => show(currentView()));
show(currentView());
document.body.dataset.ready = 'true';
