/**
 * `pillarsctl save`: the running config back to the stick it came from, as the next generation
 * with history. The stick is read-write only for the write (stick.ts in system/ owns the mount
 * dance); here the appliance decides whether there is anything to save and records the result.
 */
import { ControlError } from '../supervisor/control-protocol.js';
import type { Stick } from './ports.js';
import type { ApplianceState } from './state.js';

export async function save(state: ApplianceState, stick: Stick): Promise<unknown> {
  const r = state.running;
  if (!r) throw new ControlError('nothing to save: the appliance is unconfigured');
  if (!stick.mounted()) throw new ControlError(`no stick mounted at ${stick.mountPoint}`);
  state.say(`pillars: saving the running config to ${r.outcome.source.device}`);
  const gen = await stick.save(r.outcome.body, state.say);
  r.outcome.source.generation = gen;
  state.say(`pillars: saved the running config to ${r.outcome.source.device} as generation ${gen}`);
  return { message: `saved as generation ${gen}`, generation: gen };
}
