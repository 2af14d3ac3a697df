import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig, type PillarsConfig } from '../../../overlay/config/index.js';
import { admitConfig, imageRoles } from '../../../overlay/roles/enforce.js';
import { parseImageInfo } from '../../../overlay/system/image.js';
import { labConfig } from '../../../builder/drill/lab-config.js';

const profiles = join(import.meta.dirname, '../../../profiles');
const starter = (p: string) => readFileSync(join(profiles, `${p}.starter.yaml`), 'utf8');
function load(text: string): PillarsConfig {
  const r = loadConfig(text);
  if (!r.ok) throw new Error(r.issues.map((i) => `${i.line}:${i.column} ${i.path} ${i.message}`).join('\n'));
  return r.config;
}
const director = { profile: 'director', roles: ['vrrp', 'director'] };
const router = { profile: 'router', roles: ['vrrp', 'carp'] };
const realserver = { profile: 'realserver', roles: ['realserver'] };
const firewall = { profile: 'firewall', roles: ['firewall', 'statesync', 'vrrp'] };

describe('fail closed: what an image admits', () => {
  it('a config without a firewall section: admitted, and the admin reads that there is no packet filter', () => {
    expect(admitConfig(load(starter('director')), director)).toEqual({
      ok: true,
      notes: ['firewall: none configured (the config has no firewall section: no packet filter)'],
    });
  });

  it('a config for another profile is refused, naming both', () => {
    const r = admitConfig(load(starter('director')), router);
    expect(r).toMatchObject({ ok: false, reason: 'the config is for profile director, this is the router image' });
  });

  it('a firewall section on an image without the firewall role is refused, never flushed to open', () => {
    const r = admitConfig(load(starter('router')), router);
    expect(r).toEqual({
      ok: false,
      reason: 'the router image cannot enforce section firewall of the config',
      issues: [
        {
          path: 'firewall',
          message: 'the config has a firewall section, but the router image has no firewall role to enforce it',
        },
      ],
    });
    expect(admitConfig(load(starter('realserver')), realserver)).toMatchObject({
      ok: false,
      reason: 'the realserver image cannot enforce section firewall of the config',
    });
  });

  it('names every section it cannot enforce', () => {
    const r = admitConfig(load(starter('realserver')), { profile: 'realserver', roles: [] });
    expect(r).toMatchObject({
      ok: false,
      reason: 'the realserver image cannot enforce sections firewall, realserver of the config',
    });
    if (!r.ok) expect(r.issues.map((i) => i.path)).toEqual(['firewall', 'realserver']);
  });

  it('statesync on the director: its IPVS half runs beside keepalived, so it is admitted (no firewall, no conntrack state); with a firewall section it is not', () => {
    const lab = load(labConfig({ profile: 'director' }));
    expect(admitConfig(lab, director)).toEqual({
      ok: true,
      notes: [
        'firewall: none configured (the config has no firewall section: no packet filter)',
        "statesync: IPVS connection sync runs beside keepalived (the kernel's sync daemons); no firewall, so no conntrack state to replicate (conntrackd not in this image)",
      ],
    });
    const noIpvs = load(labConfig({ profile: 'director' }).replace('ipvs_sync: true', 'ipvs_sync: false'));
    expect(admitConfig(noIpvs, director)).toMatchObject({
      ok: false,
      reason: 'the director image cannot enforce section statesync of the config',
    });
  });

  it('an image with the roles admits their sections', () => {
    expect(admitConfig(load(starter('firewall')), firewall)).toEqual({ ok: true, notes: [] });
    expect(imageRoles(router)).toEqual(['network', 'nofirewall', 'vrrp', 'carp', 'admin']);
  });

  it('reads the image profile from build.json, and refuses one without it', () => {
    expect(parseImageInfo('{"pillars":"1","profile":"router","roles":["vrrp","carp"]}')).toEqual(router);
    expect(() => parseImageInfo('{"pillars":"1"}')).toThrow(/build.json has no profile and roles/);
  });
});
