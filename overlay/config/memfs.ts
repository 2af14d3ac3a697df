/** An in-memory StickFs: for tests, and for tools that stage a config before writing it. */
import type { StickFs } from './store.js';

export class MemoryStickFs implements StickFs {
  readonly files = new Map<string, string>();
  readonly dirs = new Set<string>();
  constructor(readonly renameReplaces = false) {}

  async read(path: string): Promise<string | undefined> {
    return this.files.get(path);
  }
  async write(path: string, data: string): Promise<void> {
    this.files.set(path, data);
  }
  async mkdir(path: string): Promise<void> {
    this.dirs.add(path);
  }
  async rename(from: string, to: string): Promise<void> {
    const data = this.files.get(from);
    if (data === undefined) throw new Error(`rename: ${from} does not exist`);
    if (!this.renameReplaces && this.files.has(to)) throw new Error(`rename: ${to} exists`);
    this.files.delete(from);
    this.files.set(to, data);
  }
  async list(dir: string): Promise<string[]> {
    const prefix = dir.replace(/\/$/, '') + '/';
    return [...this.files.keys()]
      .filter((p) => p.startsWith(prefix) && !p.slice(prefix.length).includes('/'))
      .map((p) => p.slice(prefix.length))
      .sort();
  }
  async remove(path: string): Promise<void> {
    this.files.delete(path);
  }
  async sync(): Promise<void> {}
}
