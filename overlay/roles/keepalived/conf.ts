/**
 * keepalived.conf: the view printed through the ejs template. Pure: (config, node) → text.
 */
import ejs from 'ejs';
import template from '../../templates/keepalived.conf.ejs';
import { keepalivedView, VRRP_RLIMIT_RTTIME_US, VRRP_RT_PRIORITY, type KeepalivedView, type ViewInput } from './view.js';

/** keepalived values are printed verbatim (the view already quotes what needs quoting). */
const raw = (v: unknown): string => String(v);

const compiled = ejs.compile(template, { escape: raw, strict: true, localsName: 'it', destructuredLocals: ['g', 'scripts', 'syncGroups', 'instances', 'virtualServers', 'rtPriority', 'rtTimeUs'] });

export function renderKeepalivedView(view: KeepalivedView): string {
  return compiled({ g: view.global, scripts: view.scripts, syncGroups: view.syncGroups, instances: view.instances, virtualServers: view.virtualServers, rtPriority: VRRP_RT_PRIORITY, rtTimeUs: VRRP_RLIMIT_RTTIME_US });
}

export function renderKeepalivedConf(input: ViewInput): string {
  return renderKeepalivedView(keepalivedView(input));
}
