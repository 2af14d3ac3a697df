/**
 * The control socket's requests (pillarsctl): status, cluster, logs, reload, save, poweroff and
 * reboot, and the graceful shutdown the power button starts too: services stopped in reverse
 * order (VIPs released so the peer takes over at once), the stick unmounted, sync, power off.
 */
import { ControlError, type Request } from '../supervisor/control-protocol.js';
import { statusJson, statusText } from '../supervisor/status-view.js';
import type { Host, ServiceRuntime, Stick } from './ports.js';
import type { ConfigSync } from './config-sync.js';
import type { Confirm, ConfirmWindow } from './confirm.js';
import type { ReloadDeps } from './reload.js';
import { applianceView, type ApplianceState } from './state.js';
import type { NodeStatus } from './status.js';
import type { Watchdog } from './watchdog.js';

export interface ControlDeps {
  host: Pick<Host, 'uptime' | 'power'>;
  /** reload (with or without --confirm) and confirm go through commit-confirm. */
  confirm: Pick<Confirm, 'reload' | 'confirm'>;
  services: Pick<ServiceRuntime, 'forget'>;
  stick: Stick;
  reload: ReloadDeps;
  /** `save` and the config sync with the peer's stick. */
  sync: Pick<ConfigSync, 'save'>;
  nodeStatus: Pick<NodeStatus, 'cluster' | 'markManual'>;
  watchdog: Pick<Watchdog, 'shutdown' | 'status'>;
}

export interface Control {
  handle(req: Request): Promise<unknown>;
  statusJson(): Record<string, unknown>;
  statusText(): string;
  shutdown(kind: 'poweroff' | 'reboot', why: string): Promise<void>;
}

export function createControl(state: ApplianceState, deps: ControlDeps): Control {
  const view = () => ({ ...applianceView(state, deps.host.uptime()), watchdog: deps.watchdog.status() });

  const logs = (args: Record<string, unknown>) => {
    const name = typeof args.service === 'string' ? args.service : undefined;
    const n = typeof args.lines === 'number' ? args.lines : 200;
    if (name === undefined || name === 'supervisor')
      return { lines: state.bootLog.tail(n).map((l) => ({ ...l, service: 'supervisor' })) };
    const sup = state.services?.supervisor;
    if (!sup || !sup.order().includes(name)) {
      throw new ControlError(`no service ${name}`, `services: supervisor${sup ? ', ' + sup.order().join(', ') : ''}`);
    }
    return { lines: sup.logs(name, n).map((l) => ({ ...l, service: name })) };
  };

  const shutdown = async (kind: 'poweroff' | 'reboot', why: string) => {
    if (state.shuttingDown) return;
    state.shuttingDown = true;
    // Fed on while the services stop (the loop still runs), closed just before the power goes.
    deps.watchdog.shutdown('stopping', why);
    deps.nodeStatus.markManual(`${kind} (${why})`);
    state.say(`pillars: ${kind} requested (${why}): stopping services in reverse order`);
    if (state.services) {
      const { stuck } = await state.services.supervisor.shutdown({ afterKillMs: 1000 });
      if (stuck.length) state.say(`pillars: still running after their grace time: ${stuck.join(', ')}`);
      state.services.stopTailing();
    }
    await deps.services.forget();
    if (deps.stick.mounted()) await deps.stick.unmount();
    deps.watchdog.shutdown('final', `clean ${kind}`);
    state.say(`pillars: ${kind === 'poweroff' ? 'powering off' : 'rebooting'}`);
    await deps.host.power(kind);
  };

  const control: Control = {
    statusJson: () => statusJson(view()),
    statusText: () => statusText(view()),
    shutdown,
    async handle(req) {
      const args = req.args ?? {};
      switch (req.cmd) {
        case 'status':
          return { json: control.statusJson(), text: control.statusText() };
        case 'cluster':
          return deps.nodeStatus.cluster();
        case 'logs':
          return logs(args);
        case 'reload':
          // confirm.ts checks --confirm as it arrives (any shape).
          return deps.confirm.reload(
            typeof args.file === 'string' ? args.file : undefined,
            args.confirm as ConfirmWindow | undefined,
          );
        case 'confirm':
          return deps.confirm.confirm();
        case 'save':
          return deps.sync.save({ peer: args.peer === true, force: args.force === true });
        case 'poweroff':
        case 'reboot':
          setTimeout(() => void shutdown(req.cmd as 'poweroff' | 'reboot', 'pillarsctl'), 200);
          return { message: `${req.cmd} in progress` };
      }
      throw new ControlError(`unknown command ${String(req.cmd)}`);
    },
  };
  return control;
}
