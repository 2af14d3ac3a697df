/**
 * StickFs over mtools: reads and writes the FAT filesystem of an image file or a block device
 * without mounting it and without root (for image files).
 */
import { promises as fsp, constants } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { run as defaultRun, type Runner } from '../exec.js';
import { UserError, EXIT } from '../errors.js';
import type { StickFs } from '../../overlay/config/store.js';

const HINT = 'mtools is needed to read and write sticks: apt-get install mtools';

export class MtoolsStickFs implements StickFs {
  readonly renameReplaces = false;
  constructor(
    readonly target: string,
    private readonly runner: Runner = defaultRun,
  ) {}

  private env(): NodeJS.ProcessEnv {
    // Images of any geometry; never ask questions on name clashes.
    return { ...process.env, MTOOLS_SKIP_CHECK: '1' };
  }

  private async mt(cmd: string, args: string[], allowFailure = false) {
    try {
      return await this.runner(cmd, ['-i', this.target, ...args], { env: this.env(), allowFailure, hint: HINT });
    } catch (e) {
      throw new UserError(`cannot access the stick ${this.target}: ${(e as Error).message}`, {
        exitCode: EXIT.io,
        hint: (e as UserError).hint,
        cause: e,
      });
    }
  }

  async read(path: string): Promise<string | undefined> {
    const r = await this.mt('mtype', [`::/${path}`], true);
    if (r.code !== 0) {
      if (/not found/i.test(r.stderr)) return undefined;
      throw new UserError(`cannot read ${path} from ${this.target}: ${r.stderr.trim()}`, { exitCode: EXIT.io });
    }
    return r.stdout;
  }

  async write(path: string, data: string): Promise<void> {
    const dir = await mkdtemp(join(tmpdir(), 'pillars-stick-'));
    try {
      const tmp = join(dir, 'data');
      await writeFile(tmp, data, 'utf8');
      await this.mt('mcopy', ['-o', '-D', 'o', tmp, `::/${path}`]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }

  async mkdir(path: string): Promise<void> {
    const r = await this.mt('mdir', ['-b', `::/${path}`], true);
    if (r.code === 0) return;
    await this.mt('mmd', ['-D', 's', `::/${path}`]);
  }

  async rename(from: string, to: string): Promise<void> {
    // mren takes the new name without the directory part.
    const base = to.split('/').pop()!;
    await this.mt('mren', [`::/${from}`, base]);
  }

  async list(dir: string): Promise<string[]> {
    const r = await this.mt('mdir', ['-b', `::/${dir}`], true);
    if (r.code !== 0) {
      if (/not found/i.test(r.stderr)) return [];
      throw new UserError(`cannot list ${dir} on ${this.target}: ${r.stderr.trim()}`, { exitCode: EXIT.io });
    }
    return r.stdout
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l && !l.endsWith('/'))
      .map((l) => l.split('/').pop()!)
      .filter((n) => n !== '.' && n !== '..')
      .sort();
  }

  async remove(path: string): Promise<void> {
    const r = await this.mt('mdel', [`::/${path}`], true);
    if (r.code !== 0 && !/not found/i.test(r.stderr))
      throw new UserError(`cannot remove ${path} on ${this.target}: ${r.stderr.trim()}`, { exitCode: EXIT.io });
  }

  /** mtools has written and closed the image; flush it (or the device) to the medium. */
  async sync(): Promise<void> {
    const fh = await fsp.open(this.target, constants.O_RDONLY);
    try {
      await fh.sync();
    } finally {
      await fh.close();
    }
  }
}
