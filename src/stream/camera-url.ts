import { realpath, stat } from 'node:fs/promises';
import { isAbsolute, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

export type SourceKind = 'rtsp' | 'http' | 'file';

/** A camera address that passed validation: what ffmpeg opens, and what may be shown to people. */
export interface CameraSource {
  kind: SourceKind;
  /** The address as stored: network URLs verbatim (credentials included), files as a real absolute path. */
  url: string;
  /** `url` with any `user:password@` replaced by `***@`. */
  redacted: string;
}

export class CameraUrlError extends Error {
  override readonly name = 'CameraUrlError';
}

const NETWORK_SCHEMES: Record<string, SourceKind> = {
  'rtsp:': 'rtsp',
  'rtsps:': 'rtsp',
  'http:': 'http',
  'https:': 'http',
};

const USERINFO = /([a-z][a-z0-9+.-]*:\/\/)[^\s/?#@]*@/gi;

/** Replaces every `scheme://user:pass@` in `text` by `scheme://***@`; for URLs and for ffmpeg's messages. */
export function redactCredentials(text: string): string {
  return text.replace(USERINFO, '$1***@');
}

/**
 * Validates a camera address: rtsp(s) and http(s) URLs with a host, or a file that exists under
 * `mediaDir` (a plain path, relative to mediaDir or absolute, or a file:// URL). Symlinks and `..`
 * are resolved before the containment check, so neither can escape mediaDir.
 */
export async function parseCameraUrl(input: string, mediaDir: string): Promise<CameraSource> {
  const text = input.trim();
  if (text === '') throw new CameraUrlError('url is empty');
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(text)?.[1]?.toLowerCase();
  if (scheme !== undefined && scheme !== 'file') return parseNetworkUrl(text);
  const real = await resolveMediaFile(scheme === 'file' ? fileUrlPath(text) : text, mediaDir);
  return { kind: 'file', url: real, redacted: real };
}

function parseNetworkUrl(text: string): CameraSource {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new CameraUrlError(`url is not a valid URL: ${redactCredentials(text)}`);
  }
  const kind = NETWORK_SCHEMES[url.protocol];
  if (kind === undefined) {
    throw new CameraUrlError(`unsupported scheme ${url.protocol.slice(0, -1)}: use rtsp, rtsps, http, https or a file under the media folder`);
  }
  if (url.hostname === '') throw new CameraUrlError('url has no host');
  return { kind, url: text, redacted: redactCredentials(text) };
}

function fileUrlPath(text: string): string {
  try {
    return fileURLToPath(text);
  } catch {
    throw new CameraUrlError('file URL is malformed; use file:///absolute/path');
  }
}

async function resolveMediaFile(path: string, mediaDir: string): Promise<string> {
  const root = await realpath(mediaDir).catch(() => {
    throw new CameraUrlError('the media folder does not exist on this server');
  });
  const candidate = isAbsolute(path) ? path : resolve(root, path);
  let real: string;
  try {
    real = await realpath(candidate);
  } catch {
    throw new CameraUrlError(`file not found under the media folder: ${relativeOrName(root, candidate)}`);
  }
  const inside = relative(root, real);
  if (inside === '' || inside.startsWith(`..${sep}`) || inside === '..' || isAbsolute(inside)) {
    throw new CameraUrlError('file sources must be inside the media folder');
  }
  if (!(await stat(real)).isFile()) throw new CameraUrlError('file source is not a regular file');
  return real;
}

function relativeOrName(root: string, path: string): string {
  const inside = relative(root, path);
  return inside.startsWith('..') || isAbsolute(inside) ? '(outside the media folder)' : inside;
}
