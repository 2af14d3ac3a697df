/**
 * The in-image programs: the supervisor (and later pillarsctl) bundled by esbuild into single
 * CommonJS files, so Node starts them without resolving a module tree (a large share of start-up
 * time under emulation).
 */
import { build } from 'esbuild';
import { join } from 'node:path';
import type { BuildContext } from '../context.js';

export interface BundleEntry {
  /** Source entry, relative to the project root. */
  entry: string;
  /** File name under /usr/lib/pillars in the image. */
  output: string;
}

export const IMAGE_PROGRAMS: readonly BundleEntry[] = [
  { entry: 'overlay/supervisor/main.ts', output: 'supervisor.cjs' },
  { entry: 'overlay/pillarsctl/main.ts', output: 'pillarsctl.cjs' },
  { entry: 'overlay/roles/heartbeat/check-main.ts', output: 'hacheck.cjs' },
  { entry: 'overlay/roles/heartbeat/records-main.ts', output: 'records.cjs' },
];

/** Bundle each program into `<outDir>/<output>`; returns the written paths. */
export async function bundlePrograms(
  ctx: Pick<BuildContext, 'projectRoot'>,
  outDir: string,
  programs = IMAGE_PROGRAMS,
): Promise<string[]> {
  const written: string[] = [];
  for (const p of programs) {
    const outfile = join(outDir, p.output);
    await build({
      entryPoints: [join(ctx.projectRoot, p.entry)],
      outfile,
      bundle: true,
      platform: 'node',
      target: 'node20',
      format: 'cjs',
      minifySyntax: true,
      // No comments or indentation to parse at each start (the supervisor's bundle 812 → 624 KB);
      // names are kept, so a stack trace still names the function.
      minifyWhitespace: true,
      legalComments: 'none',
      sourcemap: false,
      logLevel: 'error',
      // ejs templates are imported as text and compiled at run time.
      loader: { '.ejs': 'text' },
      // Debian's nodejs in the image provides these; nothing else is loaded at run time.
      external: [],
    });
    written.push(outfile);
  }
  return written;
}
