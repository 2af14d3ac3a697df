/**
 * Golden renders: every case × every node, each rendered file compared with
 * test/fixtures/render/<case>/<node>/<file>. UPDATE_GOLDEN=1 rewrites them.
 */
import { describe, expect, it } from 'vitest';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { contextFor, goldenDir, renderCases } from '../../fixtures/render/cases.js';
import { vrrpRole } from '../../../overlay/roles/vrrp/index.js';
import { directorRole } from '../../../overlay/roles/director/index.js';
import { carpRole } from '../../../overlay/roles/carp/index.js';
import { networkRole } from '../../../overlay/roles/network/index.js';
import { realserverRole } from '../../../overlay/roles/realserver/index.js';
import { adminRole } from '../../../overlay/roles/admin/index.js';
import { firewallRole } from '../../../overlay/roles/firewall/index.js';
import { statesyncRole } from '../../../overlay/roles/statesync/index.js';

const update = process.env.UPDATE_GOLDEN === '1';

describe('golden renders', () => {
  for (const c of renderCases()) {
    for (const nodeName of Object.keys(c.config.nodes)) {
      it(`${c.name} on ${nodeName}`, () => {
        const ctx = contextFor(c.config, nodeName);
        const files = [
          networkRole,
          vrrpRole,
          directorRole,
          carpRole,
          realserverRole,
          adminRole,
          firewallRole,
          statesyncRole,
        ].flatMap((r) => r.render(ctx));
        expect(files.length).toBeGreaterThan(0);
        for (const f of files) {
          const golden = join(goldenDir, c.name, nodeName, basename(f.path));
          if (update || !existsSync(golden)) {
            if (!update) throw new Error(`missing golden file ${golden} (run with UPDATE_GOLDEN=1)`);
            mkdirSync(join(goldenDir, c.name, nodeName), { recursive: true });
            writeFileSync(golden, f.content);
          }
          expect(f.content, golden).toBe(readFileSync(golden, 'utf8'));
        }
      });
    }
  }
});
