/**
 * Every rendered keepalived.conf passes the image's own keepalived (`keepalived -t`, trixie's 2.3),
 * run with chroot in a network namespace holding the config's interfaces. And the checker is real:
 * broken fragments are rejected. Needs root, not QEMU.
 */
import { describe, expect, it } from 'vitest';
import { contextFor, renderCases } from '../fixtures/render/cases.js';
import { keepalivedConfigTest } from '../helpers/image-tools.js';
import { vrrpRole } from '../../overlay/roles/vrrp/index.js';
import { directorRole } from '../../overlay/roles/director/index.js';
import type { RenderedFile } from '../../overlay/roles/role.js';

const asRoot = process.getuid?.() === 0;

function keepalivedConf(files: RenderedFile[]): string {
  const f = files.find((x) => x.path.endsWith('/keepalived.conf'));
  if (!f) throw new Error('no keepalived.conf rendered');
  return f.content;
}

describe.skipIf(!asRoot)('rendered keepalived.conf passes keepalived -t of the image', () => {
  const cases = renderCases().filter((c) => c.config.vrrp || c.config.director);

  for (const c of cases) {
    for (const nodeName of Object.keys(c.config.nodes)) {
      it(`${c.name} on ${nodeName}`, async () => {
        const ctx = contextFor(c.config, nodeName);
        const files = [vrrpRole, directorRole].flatMap((r) => r.render(ctx));
        expect(files).toHaveLength(1);
        const r = await keepalivedConfigTest(keepalivedConf(files), Object.keys(ctx.node.interfaces));
        expect(r.output, r.output).toBe('');
        expect(r.code).toBe(0);
      });
    }
  }

  describe('the checker is real: broken configs are rejected', () => {
    const good = (() => {
      const c = cases.find((x) => x.name === 'classic-nat-rr');
      if (!c) throw new Error('classic-nat-rr case missing');
      const ctx = contextFor(c.config, 'lvs1');
      return { conf: keepalivedConf([vrrpRole, directorRole].flatMap((r) => r.render(ctx))), interfaces: Object.keys(ctx.node.interfaces) };
    })();

    const broken: [string, (conf: string) => string, RegExp][] = [
      ['an unknown scheduler', (s) => s.replace('lb_algo rr', 'lb_algo roundrobin'), /lvs_scheduler 'roundrobin'/],
      ['a virtual router id out of range', (s) => s.replace('virtual_router_id 51', 'virtual_router_id 300'), /outside range|VRID/],
      ['an unknown keyword', (s) => s.replace('  router_id lvs1', '  router_id lvs1\n  no_such_keyword 1'), /Unknown keyword 'no_such_keyword'/],
      ['an interface that does not exist', (s) => s.replace('interface ext', 'interface nosuch0'), /nosuch0/],
    ];

    it('the unbroken config passes', async () => {
      const r = await keepalivedConfigTest(good.conf, good.interfaces);
      expect(r.output).toBe('');
      expect(r.ok).toBe(true);
    });

    for (const [what, breakIt, message] of broken) {
      it(`rejects ${what}`, async () => {
        const conf = breakIt(good.conf);
        expect(conf).not.toBe(good.conf);
        const r = await keepalivedConfigTest(conf, good.interfaces);
        expect(r.ok).toBe(false);
        expect(r.output).toMatch(message);
      });
    }
  });
});
