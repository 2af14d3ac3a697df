/** Read and validate the config a stick holds, in one call (supervisor boot, `pillarsctl`). */
import { loadConfig, type LoadResult } from './load.js';
import { readCurrent, CONFIG_FILE, type Current, type StickFs } from './store.js';

export interface StickConfig {
  /** undefined when the stick holds no config at all. */
  current: Current | undefined;
  /** undefined when there is no config; otherwise the validation result. */
  result: LoadResult | undefined;
}

export async function loadStickConfig(fs: StickFs, fileName = CONFIG_FILE): Promise<StickConfig> {
  const current = await readCurrent(fs);
  return { current, result: current ? loadConfig(current.body, fileName) : undefined };
}
