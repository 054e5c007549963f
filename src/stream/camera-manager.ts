import { randomBytes } from 'node:crypto';
import { CameraStore, type CameraRecord } from './camera-store.js';
import {
  CameraRunner,
  type CameraLogger,
  type CameraStats,
  type CameraSubscriber,
  type CameraTimings,
  type FrameAnalyzer,
} from './camera-runner.js';
import type { StreamObserver } from './stream-observer.js';
import { CameraUrlError, parseCameraUrl, redactCredentials, type CameraSource, type SourceKind } from './camera-url.js';

export interface NewCamera {
  url: string;
  name?: string;
  targetFps?: number;
  frameWidth?: number;
  detectWidth?: number;
  enabled?: boolean;
}

export type CameraPatch = Partial<Omit<NewCamera, 'url'>> & { url?: string };

/** A camera as shown to API clients and metrics: never the real URL. */
export interface CameraView extends CameraStats {
  id: string;
  name: string;
  /** The address with credentials replaced by `***`. */
  url: string;
  kind: SourceKind;
  targetFps: number;
  frameWidth: number;
  detectWidth: number;
  enabled: boolean;
  createdAt: number;
}

export type CameraErrorCode = 'NOT_FOUND' | 'BAD_REQUEST';

export class CameraError extends Error {
  override readonly name = 'CameraError';
  readonly code: CameraErrorCode;

  constructor(code: CameraErrorCode, message: string) {
    super(message);
    this.code = code;
  }
}

export interface CameraManagerOptions {
  stateDir: string;
  mediaDir: string;
  ffmpegPath: string;
  defaults: { targetFps: number; frameWidth: number; detectWidth: number };
  maxCameras: number;
  timings: CameraTimings;
  log: CameraLogger;
  /** Receives per-frame counts and timings for the service-wide metrics. */
  observer?: StreamObserver | undefined;
  createAnalyzer: (record: CameraRecord) => FrameAnalyzer;
}

/**
 * The camera registry: REST-facing add/list/update/remove over persisted records, one CameraRunner
 * per camera, and an orderly close() that stops every ffmpeg and drains in-flight frames.
 */
export class CameraManager {
  readonly #options: CameraManagerOptions;
  readonly #store: CameraStore;
  readonly #runners = new Map<string, CameraRunner>();
  #closing: Promise<void> | null = null;

  private constructor(options: CameraManagerOptions, store: CameraStore) {
    this.#options = options;
    this.#store = store;
  }

  /** Loads the saved cameras and starts the enabled ones. */
  static async open(options: CameraManagerOptions): Promise<CameraManager> {
    const store = new CameraStore(options.stateDir);
    const manager = new CameraManager(options, store);
    for (const record of await store.load()) {
      let source: CameraSource;
      let problem: string | null = null;
      try {
        source = await parseCameraUrl(record.url, options.mediaDir);
      } catch (error) {
        problem = error instanceof Error ? error.message : String(error);
        source = { kind: /^rtsps?:/i.test(record.url) ? 'rtsp' : /^https?:/i.test(record.url) ? 'http' : 'file', url: record.url, redacted: redactCredentials(record.url) };
      }
      const runner = manager.#createRunner(record, source);
      if (problem !== null) runner.fail(problem);
      else if (record.enabled) await runner.start();
    }
    return manager;
  }

  list(): CameraView[] {
    return [...this.#runners.values()].map((runner) => viewOf(runner));
  }

  get(id: string): CameraView {
    return viewOf(this.#runner(id));
  }

  has(id: string): boolean {
    return this.#runners.has(id);
  }

  async add(input: NewCamera): Promise<CameraView> {
    this.#assertOpen();
    if (this.#runners.size >= this.#options.maxCameras) {
      throw new CameraError('BAD_REQUEST', `at most ${this.#options.maxCameras} cameras can be registered`);
    }
    const source = await this.#parse(input.url);
    const record: CameraRecord = {
      id: `cam-${randomBytes(5).toString('hex')}`,
      name: input.name ?? '',
      url: source.url,
      targetFps: input.targetFps ?? this.#options.defaults.targetFps,
      frameWidth: input.frameWidth ?? this.#options.defaults.frameWidth,
      detectWidth: input.detectWidth ?? this.#options.defaults.detectWidth,
      enabled: input.enabled ?? true,
      createdAt: Date.now(),
    };
    await this.#store.save([...this.#records(), record]);
    const runner = this.#createRunner(record, source);
    if (record.enabled) await runner.start();
    return viewOf(runner);
  }

  /**
   * Changes settings. Enabling starts the camera (and restarts a `failed` one with a fresh attempt
   * count); disabling stops it; a new url, fps or width restarts an enabled camera.
   */
  async update(id: string, patch: CameraPatch): Promise<CameraView> {
    this.#assertOpen();
    const runner = this.#runner(id);
    const before = runner.record;
    // A camera about to run has its stored address checked again: the file may be gone, or the
    // media folder may have moved. Disabling or renaming always works.
    const willRun = patch.enabled ?? before.enabled;
    const source = patch.url !== undefined || willRun ? await this.#parse(patch.url ?? before.url) : runner.source;
    const record: CameraRecord = {
      ...before,
      url: source.url,
      name: patch.name ?? before.name,
      targetFps: patch.targetFps ?? before.targetFps,
      frameWidth: patch.frameWidth ?? before.frameWidth,
      detectWidth: patch.detectWidth ?? before.detectWidth,
      enabled: patch.enabled ?? before.enabled,
    };
    await this.#store.save(this.#records().map((other) => (other.id === id ? record : other)));
    const settingsChanged = record.url !== before.url || record.targetFps !== before.targetFps
      || record.frameWidth !== before.frameWidth || record.detectWidth !== before.detectWidth;
    if (!record.enabled) {
      await runner.stop('disabled');
      runner.setRecord(record, source);
    } else if (settingsChanged || !before.enabled || patch.enabled === true || runner.state === 'stopped') {
      await runner.start(record, source);
    } else {
      runner.setRecord(record, source);
    }
    return viewOf(runner);
  }

  async remove(id: string): Promise<void> {
    this.#assertOpen();
    const runner = this.#runner(id);
    await this.#store.save(this.#records().filter((record) => record.id !== id));
    this.#runners.delete(id);
    await runner.close(1000, 'camera removed');
  }

  /** Registers a subscriber for one camera's messages; returns its remover. */
  subscribe(id: string, subscriber: CameraSubscriber): () => void {
    return this.#runner(id).subscribe(subscriber);
  }

  /** Stops every camera, waits for ffmpeg to be reaped and in-flight frames to finish, closes subscribers. */
  close(): Promise<void> {
    this.#closing ??= Promise.all(
      [...this.#runners.values()].map((runner) => runner.close(1001, 'server shutting down')),
    ).then(() => undefined);
    return this.#closing;
  }

  #createRunner(record: CameraRecord, source: CameraSource): CameraRunner {
    const runner = new CameraRunner(record, source, {
      ffmpegPath: this.#options.ffmpegPath,
      timings: this.#options.timings,
      log: this.#options.log,
      observer: this.#options.observer,
      createAnalyzer: this.#options.createAnalyzer,
    });
    this.#runners.set(record.id, runner);
    return runner;
  }

  async #parse(url: string): Promise<CameraSource> {
    try {
      return await parseCameraUrl(url, this.#options.mediaDir);
    } catch (error) {
      if (error instanceof CameraUrlError) throw new CameraError('BAD_REQUEST', error.message);
      throw error;
    }
  }

  #runner(id: string): CameraRunner {
    const runner = this.#runners.get(id);
    if (!runner) throw new CameraError('NOT_FOUND', `no camera with id ${id}`);
    return runner;
  }

  #records(): CameraRecord[] {
    return [...this.#runners.values()].map((runner) => runner.record);
  }

  #assertOpen(): void {
    if (this.#closing) throw new CameraError('BAD_REQUEST', 'the server is shutting down');
  }
}

function viewOf(runner: CameraRunner): CameraView {
  const { record, source } = runner;
  return {
    id: record.id,
    name: record.name,
    url: source.redacted,
    kind: source.kind,
    targetFps: record.targetFps,
    frameWidth: record.frameWidth,
    detectWidth: record.detectWidth,
    enabled: record.enabled,
    createdAt: record.createdAt,
    ...runner.stats(),
  };
}
