import { FaceStreamError, type Face } from '../../sdk/src/index.js';

const TOKEN_KEY = 'facestream.token';

/** Token from `?token=` (remembered), else the one remembered earlier, else none. */
export function initialToken(): string {
  const fromUrl = new URLSearchParams(location.search).get('token');
  if (fromUrl !== null) localStorage.setItem(TOKEN_KEY, fromUrl);
  return fromUrl ?? localStorage.getItem(TOKEN_KEY) ?? '';
}

export function rememberToken(token: string): void {
  localStorage.setItem(TOKEN_KEY, token);
}

export interface ApiContext {
  /** Base URL of the service (the page's origin). */
  baseUrl: string;
  token: () => string;
}

/** The fields of GET /v1/cameras entries the dashboard shows (the server sends more). */
export interface CameraInfo {
  id: string;
  name?: string;
  /** Address with credentials redacted. */
  url?: string;
  state?: string;
  reason?: string;
  processed?: number;
  dropped?: number;
}

/** Faces and image size as returned by POST /v1/analyze. */
export interface AnalyzeResponse {
  width?: number;
  height?: number;
  faces: Face[];
  timings?: Record<string, number>;
}

async function request<T>(api: ApiContext, method: string, path: string, body?: BodyInit, contentType?: string): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json' };
  const token = api.token();
  if (token) headers.authorization = `Bearer ${token}`;
  if (contentType) headers['content-type'] = contentType;
  const response = await fetch(new URL(path, api.baseUrl), { method, headers, body });
  const text = await response.text();
  let json: unknown;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    json = undefined;
  }
  if (!response.ok) {
    const problem = json as { code?: string; message?: string } | undefined;
    const message = `${method} ${path}: ${response.status} ${problem?.message ?? response.statusText}`;
    throw new FaceStreamError('HTTP', problem?.code ? `${message} (${problem.code})` : message);
  }
  return json as T;
}

export async function listCameras(api: ApiContext): Promise<CameraInfo[]> {
  const body = await request<CameraInfo[] | { cameras: CameraInfo[] }>(api, 'GET', 'v1/cameras');
  return Array.isArray(body) ? body : body.cameras;
}

export function addCamera(api: ApiContext, camera: { url: string; name?: string }): Promise<CameraInfo> {
  return request(api, 'POST', 'v1/cameras', JSON.stringify(camera), 'application/json');
}

export async function removeCamera(api: ApiContext, id: string): Promise<void> {
  await request(api, 'DELETE', `v1/cameras/${encodeURIComponent(id)}`);
}

export function analyzeImage(api: ApiContext, image: Blob): Promise<AnalyzeResponse> {
  return request(api, 'POST', 'v1/analyze', image, image.type || 'application/octet-stream');
}
