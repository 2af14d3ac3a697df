/**
 * The effects behind the pool view: run the image's ipvsadm (read-only listings for `status`, any
 * arguments for `pillarsctl ipvs`) and join its output with the supervisor's check states.
 */
import { exec, execInherit } from '../system/exec.js';
import { addMissingDown, buildPool, checkStates, formatPool, type PoolService } from './ipvs.js';

export const IPVSADM = '/usr/sbin/ipvsadm';

type Run = (argv: readonly string[]) => Promise<{ code: number; stdout: string; stderr: string }>;

const runCaptured: Run = (argv) => exec(argv, { timeoutMs: 10_000 });

interface StatusJson {
  config?: { roles?: unknown };
  services?: Array<{ name?: string; info?: Record<string, unknown> }>;
}

/** Does the status say the director role runs (its services are in the plan)? */
export function directorRuns(status: unknown): boolean {
  const roles = (status as StatusJson | undefined)?.config?.roles;
  return Array.isArray(roles) && roles.includes('director');
}

/** The pool from ipvsadm joined with the check states in the status; an error text when ipvsadm fails. */
export async function readPool(
  status: unknown,
  run: Run = runCaptured,
): Promise<{ pool: PoolService[] } | { error: string }> {
  const list = await run([IPVSADM, '-L', '-n']);
  if (list.code !== 0) return { error: `ipvsadm -L -n: exit ${list.code}: ${list.stderr.trim()}` };
  const stats = await run([IPVSADM, '-L', '-n', '--stats', '--exact']);
  const info: Record<string, unknown> = {};
  for (const s of (status as StatusJson | undefined)?.services ?? []) Object.assign(info, s.info ?? {});
  const checks = checkStates(info);
  return { pool: addMissingDown(buildPool(list.stdout, stats.code === 0 ? stats.stdout : undefined, checks), checks) };
}

/** The text section `status` appends. */
export function poolSection(r: { pool: PoolService[] } | { error: string }): string[] {
  return [
    '',
    'LVS pool (ipvsadm -L -n --stats; CHECK from the health checks)',
    ...('error' in r ? [r.error] : formatPool(r.pool)),
  ];
}

/** `pillarsctl ipvs ARGS…`: ipvsadm with the caller's terminal; resolves with its exit code. */
export function ipvsadmPassthrough(args: readonly string[]): Promise<number> {
  return execInherit([IPVSADM, ...args], (m) => process.stderr.write(`pillarsctl: ${m}\n`));
}
