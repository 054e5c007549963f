import { mkdir, readdir, readFile, rename, stat, writeFile } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const here = dirname(fileURLToPath(import.meta.url));

export interface DashboardBuild {
  outDir: string;
  files: string[];
  ms: number;
  /** False when the bundle in outDir was newer than every source and was kept. */
  built: boolean;
}

/** Everything the bundle is made of: the dashboard, the SDK and the protocol. */
const SOURCE_DIRS = [here, join(here, '../sdk/src'), join(here, '../../src/protocol')];
const OUTPUTS = ['app.js', 'styles.css', 'index.html'];

async function newestMtime(dir: string): Promise<number> {
  let newest = 0;
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, await newestMtime(path));
    else if (entry.isFile()) newest = Math.max(newest, (await stat(path)).mtimeMs);
  }
  return newest;
}

/** Builds unless every output in outDir is newer than every source file (a few ms to check). */
export async function buildDashboardIfStale(outDir: string): Promise<DashboardBuild> {
  const started = performance.now();
  try {
    const outputTimes = await Promise.all(OUTPUTS.map(async (name) => (await stat(join(outDir, name))).mtimeMs));
    const sourceTimes = await Promise.all(SOURCE_DIRS.map(newestMtime));
    if (Math.min(...outputTimes) > Math.max(...sourceTimes)) {
      return { outDir, files: OUTPUTS, ms: Math.round(performance.now() - started), built: false };
    }
  } catch {
    // A missing output means a build.
  }
  return buildDashboard(outDir);
}

/**
 * Bundles the dashboard (TypeScript + CSS) with esbuild and copies index.html into `outDir`.
 * Each file is written to a temporary name and renamed, so a server reading the folder while
 * another process rebuilds it never serves a half-written file.
 */
export async function buildDashboard(outDir: string): Promise<DashboardBuild> {
  const started = performance.now();
  const result = await build({
    entryPoints: { app: join(here, 'src/main.ts'), styles: join(here, 'styles.css') },
    outdir: outDir,
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: ['chrome111', 'firefox111', 'safari16.4'],
    minify: true,
    sourcemap: 'linked',
    // The SDK falls back to `ws` only where no global WebSocket exists, which is never in a browser.
    external: ['ws'],
    write: false,
    logLevel: 'silent',
  });
  const html = await readFile(join(here, 'index.html'));
  const outputs = [...result.outputFiles.map((file) => ({ path: file.path, contents: file.contents })), { path: join(outDir, 'index.html'), contents: html }];
  await mkdir(outDir, { recursive: true });
  const suffix = `.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
  await Promise.all(
    outputs.map(async ({ path, contents }) => {
      await writeFile(path + suffix, contents);
      await rename(path + suffix, path);
    }),
  );
  return { outDir, files: outputs.map((o) => relative(outDir, o.path)).sort(), ms: Math.round(performance.now() - started), built: true };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  // npx tsx client/dashboard/build.ts [--if-stale] [outDir]
  const args = process.argv.slice(2);
  const ifStale = args.includes('--if-stale');
  const outDir = args.find((arg) => !arg.startsWith('--')) ?? join(here, '../../dist/dashboard');
  const result = ifStale ? await buildDashboardIfStale(outDir) : await buildDashboard(outDir);
  const what = result.built ? 'built' : 'up to date';
  console.log(`dashboard ${what} in ${relative(process.cwd(), result.outDir) || '.'} (${result.ms} ms): ${result.files.join(', ')}`);
}
