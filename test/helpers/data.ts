import { existsSync } from 'node:fs';
import { resolve } from 'node:path';

/** Shared test data root (FACESTREAM_DATA or ../shared/data); tests needing it skip when absent. */
export const dataDir = resolve(process.env.FACESTREAM_DATA ?? '../shared/data');

export function dataFile(relative: string): string {
  return resolve(dataDir, relative);
}

/** Returns a skip reason when any of the files is missing, else undefined. */
export function missingData(...relatives: string[]): string | undefined {
  const missing = relatives.filter((relative) => !existsSync(dataFile(relative)));
  return missing.length ? `test data absent: ${missing.map(dataFile).join(', ')}` : undefined;
}
