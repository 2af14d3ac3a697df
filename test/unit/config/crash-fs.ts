/**
 * Fault injection for the stick protocols: a medium where unsynced writes may or may not survive a
 * power cut, and the write in progress at the cut may be torn.
 */
import { MemoryStickFs } from '../../../overlay/config/memfs.js';
import type { StickFs } from '../../../overlay/config/store.js';

export class Crash extends Error {}

export class CrashFs implements StickFs {
  durable = new Map<string, string>();
  visible = new Map<string, string>();
  ops = 0;
  torn: { path: string; data: string } | undefined;
  constructor(
    readonly renameReplaces: boolean,
    private readonly crashAt: number,
  ) {}
  private step(): void {
    if (++this.ops === this.crashAt) throw new Crash(`cut at step ${this.ops}`);
  }
  async read(p: string) {
    return this.visible.get(p);
  }
  async write(p: string, data: string) {
    if (this.ops + 1 === this.crashAt) this.torn = { path: p, data: data.slice(0, Math.floor(data.length / 2)) };
    this.step();
    this.visible.set(p, data);
  }
  async mkdir() {}
  async rename(a: string, b: string) {
    this.step();
    const d = this.visible.get(a);
    if (d === undefined) throw new Error('no source');
    if (!this.renameReplaces && this.visible.has(b)) throw new Error('target exists');
    this.visible.delete(a);
    this.visible.set(b, d);
  }
  async list(dir: string) {
    return [...this.visible.keys()].filter((k) => k.startsWith(dir + '/')).map((k) => k.slice(dir.length + 1));
  }
  async remove(p: string) {
    this.step();
    this.visible.delete(p);
  }
  async sync() {
    this.step();
    this.durable = new Map(this.visible);
  }
  /** The medium after the cut, in the three ways it can look. */
  afterCut(): Map<string, string>[] {
    const out = [new Map(this.durable), new Map(this.visible)];
    if (this.torn) out.push(new Map([...this.visible, [this.torn.path, this.torn.data]]));
    return out;
  }
}

export async function memFrom(files: Map<string, string>, renameReplaces: boolean): Promise<MemoryStickFs> {
  const fs = new MemoryStickFs(renameReplaces);
  for (const [k, v] of files) fs.files.set(k, v);
  return fs;
}
