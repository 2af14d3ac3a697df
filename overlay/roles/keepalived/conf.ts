/**
 * keepalived.conf: the view printed through the ejs template. Pure: (config, node) → text.
 */
import template from '../../templates/keepalived.conf.ejs';
import releaseTemplate from '../../templates/keepalived-release.sh.ejs';
import { compileTemplate } from '../../templates/escape.js';
import {
  keepalivedView,
  VRRP_RLIMIT_RTTIME_US,
  VRRP_RT_PRIORITY,
  type KeepalivedView,
  type ViewInput,
} from './view.js';

type Locals = {
  g: KeepalivedView['global'];
  bfd: KeepalivedView['bfd'];
  scripts: KeepalivedView['scripts'];
  syncGroups: KeepalivedView['syncGroups'];
  instances: (Omit<KeepalivedView['instances'][number], 'vips' | 'excludedVips'> & {
    vips: string[][];
    excludedVips: string[][];
  })[];
  virtualServers: (Omit<KeepalivedView['virtualServers'][number], 'address' | 'sorryServer'> & {
    address: string[];
    sorryServer?: string[];
  })[];
  rtPriority: number;
  rtTimeUs: number;
  file: string;
};

/** Every `<%= %>` goes through the keepalived escaper: one word each, quoted where needed. */
const compiled = compileTemplate<Locals>(template, 'keepalived', [
  'g',
  'bfd',
  'scripts',
  'syncGroups',
  'instances',
  'virtualServers',
  'rtPriority',
  'rtTimeUs',
  'file',
]);

/** The view's several-word values ("192.0.2.10/24 dev lan", "192.0.2.10 80"), as word lists. */
const words = (text: string): string[] => text.split(' ');

/** `file`: the file's name, for its header (keepalived.conf, or keepalived-lvs.conf when split). */
export function renderKeepalivedView(view: KeepalivedView, file = 'keepalived.conf'): string {
  const instances = view.instances.map((i) => ({
    ...i,
    vips: i.vips.map(words),
    excludedVips: i.excludedVips.map(words),
  }));
  const virtualServers = view.virtualServers.map(({ sorryServer, ...vs }) => ({
    ...vs,
    address: words(vs.address),
    ...(sorryServer ? { sorryServer: words(sorryServer) } : {}),
  }));
  return compiled({
    g: view.global,
    bfd: view.bfd,
    scripts: view.scripts,
    syncGroups: view.syncGroups,
    instances,
    virtualServers,
    rtPriority: VRRP_RT_PRIORITY,
    rtTimeUs: VRRP_RLIMIT_RTTIME_US,
    file,
  });
}

export function renderKeepalivedConf(input: ViewInput): string {
  return renderKeepalivedView(keepalivedView(input));
}

/** Every `<%= %>` of the release script is one shell word. */
const compiledRelease = compileTemplate<{
  node: string;
  fifo: string;
  vips: { cidr: string; dev: string }[];
  lines: string[];
}>(releaseTemplate, 'shell', ['node', 'fifo', 'vips', 'lines']);

/**
 * The script that drops every VIP of the view and reports each instance and group STOPped on the
 * event FIFO (see keepalived-release.sh.ejs). Pure.
 */
export function renderKeepalivedRelease(view: KeepalivedView, node: string, fifo: string): string {
  const vips = view.instances.flatMap((i) =>
    [...i.vips, ...i.excludedVips].map((v) => {
      const [cidr, , dev] = words(v);
      return { cidr: cidr!, dev: dev! };
    }),
  );
  const lines = [
    ...view.instances.map((i) => `INSTANCE "${i.name}" STOP ${i.priority}`),
    ...view.syncGroups.map((g) => `GROUP "${g.name}" STOP 0`),
  ];
  return compiledRelease({ node, fifo, vips, lines });
}
