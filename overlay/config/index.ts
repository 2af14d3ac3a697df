/**
 * The config model shared by the builder, the stick CLI and the in-image supervisor. Depends only
 * on `yaml` and node built-ins (it is bundled into the image with esbuild).
 */
export { loadConfig, formatIssue, formatIssues, type ConfigIssue, type LoadResult, type LoadOptions } from './load.js';
export {
  pillarsConfig,
  PROFILES,
  DEFAULT_PROFILE,
  SCHEDULERS,
  FORWARDING,
  type PillarsConfig,
  type ProfileName,
  type NodeConfig,
  type VrrpInstance,
  type VrrpBfd,
  BFD_PORTS,
  type VirtualServer,
  type RealServer,
  type Check,
  type HeartbeatLink,
} from './model.js';
export { selectNode, type NodeSelection } from './node.js';
export { hostnameOf, nodeNets } from './rules.js';
export { bfdEnds, bfdInterface, bfdTrackers, bfdWeight, type BfdEnds } from './bfd.js';
export { configSchema } from './schema.js';
export { configReference } from './reference.js';
export {
  parsePath,
  getValue,
  setValue,
  unsetValue,
  parseValueText,
  maskSecrets,
  pathString,
  PathError,
  MASK,
} from './edit.js';
export {
  readCurrent,
  saveConfig,
  listHistory,
  readGeneration,
  restoreGeneration,
  splitTrailer,
  withTrailer,
  historyPath,
  CONFIG_FILE,
  HISTORY_DIR,
  HISTORY_KEEP,
  type StickFs,
  type Current,
  type HistoryEntry,
  type SaveOptions,
} from './store.js';
export { loadStickConfig, type StickConfig } from './read.js';
export { DirectoryStickFs } from './nodefs.js';
export { MemoryStickFs } from './memfs.js';
export { parseIp, parseCidr, inSubnet, type Ip, type Cidr } from './net.js';
