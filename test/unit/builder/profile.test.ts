import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { listProfiles, loadProfile, parseProfile } from '../../../builder/profile.js';

const dir = join(import.meta.dirname, '../../../profiles');

describe('profiles', () => {
  it('lists the buildable profiles', () => {
    expect(listProfiles(dir)).toEqual(['director', 'firewall', 'heartbeat', 'realserver', 'router']);
  });

  it('merges the base packages and modules into each profile', () => {
    const p = loadProfile(dir, 'director');
    expect(p.roles).toEqual(['firewall', 'vrrp', 'director']);
    for (const pkg of ['busybox', 'nodejs', 'kmod', 'keepalived', 'ipvsadm']) expect(p.packages).toContain(pkg);
    expect(p.modules).toContain('net/netfilter/**');
    expect(p.keep).toEqual([]);
  });

  it('only heartbeat carries perl and python', () => {
    for (const name of listProfiles(dir)) {
      expect(loadProfile(dir, name).keep.length > 0, name).toBe(name === 'heartbeat');
    }
  });

  it('refuses unknown and abstract profiles with the list to choose from', () => {
    expect(() => loadProfile(dir, 'nope')).toThrow(/unknown profile 'nope'/);
    expect(() => loadProfile(dir, 'base')).toThrow(/unknown profile 'base'/);
    expect(() => loadProfile(dir, '../etc')).toThrow(/unknown profile/);
  });

  it.each([
    ['name: x\nroles: [vrrp]\npackagez: [a]\n', "p.yaml:3:1: packagez: unknown key 'packagez'"],
    [
      'name: x\nroles: [vrp]\n',
      "p.yaml:2:9: roles[0]: unknown role 'vrp', expected one of firewall, statesync, vrrp, carp, drbd, heartbeat, fencing, director, realserver",
    ],
    ['name: x\npackages: [Keepalived]\n', "p.yaml:2:12: packages[0]: 'Keepalived' is not a Debian package name"],
    ['name: x\npackages: keepalived\n', 'p.yaml:2:11: packages: must be a list'],
    [
      'name: x\nmodules: [/abs/path]\n',
      "p.yaml:2:11: modules[0]: '/abs/path' is not a module path pattern like drivers/net/virtio_net or net/netfilter/**",
    ],
    ['name: x\nkeep: [ruby]\n', "p.yaml:2:8: keep[0]: unknown 'ruby', expected one of perl, python, pam"],
    ['roles: [vrrp]\n', 'p.yaml:1:1: name: is required'],
    ['name: x\nname: y\n', 'p.yaml:2:1: (syntax): Map keys must be unique'],
    ['- a\n- b\n', 'p.yaml:1:1: (root): must be a mapping of keys'],
  ])('reports %j as %s', (text, expected) => {
    const { profile, issues } = parseProfile(text, 'p.yaml');
    expect(profile).toBeUndefined();
    expect(issues.map((i) => `${i.file}:${i.line}:${i.column}: ${i.path}: ${i.message}`)[0]).toBe(expected);
  });
});
