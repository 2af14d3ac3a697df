/**
 * How the lab starts an agent: `node <agent file> ARGS…` inside a host's namespace. From the
 * compiled tree (dist/) the agent is the compiled sibling module. From the TypeScript sources
 * (vitest, which runs the .ts files directly) it is bundled on first use with esbuild into one
 * self-contained .mjs under the temp directory, named by its content hash, so a changed agent is
 * never served stale. Inlined into some other bundle, it bundles the checkout's agent sources.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { projectRoot } from '../../version.js';
import { createRequire } from 'node:module';

export const AGENTS = ['http-server', 'probe', 'smtp-sink', 'conn-server', 'conn-client'] as const;
export type AgentName = (typeof AGENTS)[number];

/** The file `node` runs for an agent, given where this module lives. Pure apart from the bundle. */
export function agentFile(name: AgentName, moduleUrl: string = import.meta.url): string {
  const here = fileURLToPath(moduleUrl);
  const dir = dirname(here);
  if (here.endsWith('.ts')) return bundleFromSource(join(dir, `${name}.ts`), name);
  const compiled = join(dir, `${name}.js`);
  if (here.endsWith('.js') && existsSync(compiled)) return compiled;
  // Inlined into another bundle (a test's child program): take the checkout's sources.
  return bundleFromSource(join(projectRoot, 'builder', 'vm', 'agents', `${name}.ts`), name);
}

/** Arguments for `process.execPath` that run the agent with `args`. */
export function agentArgv(name: AgentName, args: readonly string[]): string[] {
  return [agentFile(name), ...args];
}

function bundleFromSource(entry: string, name: string): string {
  // esbuild is a dependency of the image build already; required lazily, only from sources.
  const esbuild = createRequire(import.meta.url)('esbuild') as typeof import('esbuild');
  const out = esbuild.buildSync({
    entryPoints: [entry],
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    write: false,
    logLevel: 'error',
  });
  const code = out.outputFiles[0]!.contents;
  const dir = join(tmpdir(), 'pillars-agents');
  const file = join(dir, `${name}-${createHash('sha256').update(code).digest('hex').slice(0, 16)}.mjs`);
  if (!existsSync(file)) {
    mkdirSync(dir, { recursive: true });
    const tmp = `${file}.${process.pid}.tmp`;
    writeFileSync(tmp, code);
    renameSync(tmp, file);
  }
  return file;
}
