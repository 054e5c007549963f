import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const here = dirname(fileURLToPath(import.meta.url));

export interface DashboardBuild {
  outDir: string;
  files: string[];
  ms: number;
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
  return { outDir, files: outputs.map((o) => relative(outDir, o.path)).sort(), ms: Math.round(performance.now() - started) };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const outDir = process.argv[2] ?? join(here, '../../dist/dashboard');
  const built = await buildDashboard(outDir);
  console.log(`dashboard built into ${relative(process.cwd(), built.outDir) || '.'} in ${built.ms} ms: ${built.files.join(', ')}`);
}
