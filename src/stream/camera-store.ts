import { randomBytes } from 'node:crypto';
import { mkdir, open, readFile, rename, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { Type, type Static } from '@sinclair/typebox';
import { TypeCompiler } from '@sinclair/typebox/compiler';

/** One camera as persisted. `url` is the real address, credentials included: this file is the only place it lives. */
export const CameraRecordSchema = Type.Object({
  id: Type.String({ minLength: 1, maxLength: 64 }),
  name: Type.String({ maxLength: 200 }),
  url: Type.String({ minLength: 1, maxLength: 4096 }),
  targetFps: Type.Number({ exclusiveMinimum: 0, maximum: 60 }),
  /** Width of the frames ffmpeg delivers (never upscaled); faces are cropped from these. */
  frameWidth: Type.Integer({ minimum: 80, maximum: 1920 }),
  /** Width the frames are downscaled to for Haar detection. */
  detectWidth: Type.Integer({ minimum: 80, maximum: 1920 }),
  enabled: Type.Boolean(),
  createdAt: Type.Number(),
});
export type CameraRecord = Static<typeof CameraRecordSchema>;

const StoreFileSchema = Type.Object({
  version: Type.Literal(1),
  cameras: Type.Array(CameraRecordSchema),
});
const storeFile = TypeCompiler.Compile(StoreFileSchema);

export const CAMERA_STORE_FILE = 'cameras.json';

/**
 * The camera registry on disk: one small JSON file in the state folder, replaced atomically
 * (write a temporary file, fsync it, rename it over the old one, fsync the folder), so a crash
 * leaves either the old list or the new one, never half of either. Saves are serialised.
 */
export class CameraStore {
  readonly #dir: string;
  readonly #path: string;
  #chain: Promise<void> = Promise.resolve();

  constructor(stateDir: string) {
    this.#dir = stateDir;
    this.#path = join(stateDir, CAMERA_STORE_FILE);
  }

  get path(): string {
    return this.#path;
  }

  /** Reads the saved cameras; an absent file is an empty registry, a corrupt one is an error. */
  async load(): Promise<CameraRecord[]> {
    let text: string;
    try {
      text = await readFile(this.#path, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw error;
    }
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      throw new Error(`${this.#path} is not valid JSON; fix or remove it`);
    }
    if (!storeFile.Check(value)) {
      const first = storeFile.Errors(value).First();
      throw new Error(`${this.#path} is not a camera registry: ${first ? `${first.path} ${first.message}` : 'bad shape'}`);
    }
    return value.cameras;
  }

  /** Replaces the saved list; resolves when the new file is durable. */
  save(cameras: readonly CameraRecord[]): Promise<void> {
    const text = `${JSON.stringify({ version: 1, cameras }, null, 2)}\n`;
    const next = this.#chain.then(() => this.#write(text));
    this.#chain = next.catch(() => undefined);
    return next;
  }

  async #write(text: string): Promise<void> {
    await mkdir(this.#dir, { recursive: true, mode: 0o700 });
    const temp = `${this.#path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
    const file = await open(temp, 'w', 0o600);
    try {
      await file.writeFile(text, 'utf8');
      await file.sync();
    } finally {
      await file.close();
    }
    try {
      await rename(temp, this.#path);
    } catch (error) {
      await unlink(temp).catch(() => undefined);
      throw error;
    }
    const dir = await open(this.#dir, 'r');
    try {
      await dir.sync();
    } finally {
      await dir.close();
    }
  }
}
