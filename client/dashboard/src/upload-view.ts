import { analyzeImage, type ApiContext } from './api.js';
import { FaceOverlay } from './face-overlay.js';
import { renderFacePanel } from './face-panel.js';
import { status, summarise } from './status.js';

const ACCEPTED = new Set(['image/jpeg', 'image/png', 'image/webp']);

/** Upload page: POST one photo to /v1/analyze and draw its faces and emotions. */
export function mountUploadView(api: ApiContext): void {
  const input = document.getElementById('upload-file') as HTMLInputElement;
  const drop = document.getElementById('upload-drop') as HTMLElement;
  const say = document.getElementById('upload-status') as HTMLElement;
  const stage = document.getElementById('upload-stage') as HTMLElement;
  const img = document.getElementById('upload-image') as HTMLImageElement;
  const facesHost = document.getElementById('upload-faces') as HTMLElement;
  const overlay = new FaceOverlay(document.getElementById('upload-overlay') as HTMLElement);
  const state = status.upload;
  let objectUrl: string | undefined;

  const fail = (message: string): void => {
    state.status = 'error';
    state.error = message;
    say.textContent = message;
    say.classList.add('error');
  };

  const analyze = async (file: File): Promise<void> => {
    say.classList.remove('error');
    if (!ACCEPTED.has(file.type)) return fail(`${file.name}: not a JPEG, PNG or WebP image`);
    state.status = 'uploading';
    state.error = null;
    say.textContent = `analysing ${file.name}…`;
    overlay.clear();
    if (objectUrl) URL.revokeObjectURL(objectUrl);
    objectUrl = URL.createObjectURL(file);
    img.src = objectUrl;
    stage.hidden = false;
    const started = performance.now();
    try {
      const result = await analyzeImage(api, file);
      const ms = Math.round(performance.now() - started);
      overlay.draw(result.faces);
      renderFacePanel(facesHost, result.faces, 'No faces found in this photo.');
      state.faces = summarise(result.faces);
      state.status = 'done';
      say.textContent = `${file.name}: ${result.faces.length} face${result.faces.length === 1 ? '' : 's'} in ${ms} ms`;
    } catch (error) {
      fail(error instanceof Error ? error.message : String(error));
    }
  };

  input.addEventListener('change', () => {
    const file = input.files?.[0];
    if (file) void analyze(file);
  });
  drop.addEventListener('dragover', (event) => {
    event.preventDefault();
    drop.classList.add('over');
  });
  drop.addEventListener('dragleave', () => drop.classList.remove('over'));
  drop.addEventListener('drop', (event) => {
    event.preventDefault();
    drop.classList.remove('over');
    const file = event.dataTransfer?.files[0];
    if (file) void analyze(file);
  });
}
