import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { directorRuns, IPVSADM, poolSection, readPool } from '../../../overlay/pillarsctl/pool.js';

const fixture = (name: string) =>
  readFileSync(join(import.meta.dirname, '..', '..', 'fixtures', 'ipvsadm', name), 'utf8');
const status = {
  config: { roles: ['network', 'vrrp', 'director'] },
  services: [
    { name: 'keepalived', info: { 'lvs.192.0.2.10:80/tcp.198.51.100.102:80/tcp': { value: 'DOWN', since: 1 } } },
  ],
};

describe('pillarsctl status pool section', () => {
  it('only with the director role', () => {
    expect(directorRuns(status)).toBe(true);
    expect(directorRuns({ config: { roles: ['vrrp'] } })).toBe(false);
    expect(directorRuns({ config: { state: 'unconfigured' } })).toBe(false);
  });
  it('runs ipvsadm -L -n and --stats --exact and joins the check states', async () => {
    const calls: string[] = [];
    const r = await readPool(status, async (argv) => {
      calls.push(argv.join(' '));
      return { code: 0, stdout: fixture(argv.includes('--stats') ? 'stats.txt' : 'list.txt'), stderr: '' };
    });
    expect(calls).toEqual([`${IPVSADM} -L -n`, `${IPVSADM} -L -n --stats --exact`]);
    const text = poolSection(r).join('\n');
    expect(text).toMatch(/198\.51\.100\.102:80 +Masq +1 +0 +9 +DOWN/);
  });
  it('says why when ipvsadm fails', async () => {
    const r = await readPool(status, async () => ({
      code: 2,
      stdout: '',
      stderr: "Can't initialize ipvs: Protocol not available\n",
    }));
    expect(poolSection(r).join('\n')).toContain("ipvsadm -L -n: exit 2: Can't initialize ipvs");
  });
});
