/** The keepalived.conf shared by the vrrp and director roles, its service, and the event FIFO parser. */
export {
  keepalivedView,
  syncInstance,
  vipWithPrefix,
  secondsText,
  mergedUsrCommand,
  REALTIME_BELOW_ADVERT_MS,
  VRRP_RT_PRIORITY,
  vrrpPart,
  checkerPart,
  type KeepalivedView,
  type ViewInput,
} from './view.js';
export { renderKeepalivedConf, renderKeepalivedView } from './conf.js';
export {
  keepalivedOwner,
  keepalivedConfPath,
  keepalivedFiles,
  keepalivedCheck,
  keepalivedBfdChecks,
  keepalivedService,
  keepalivedSplit,
  keepalivedLvsConfPath,
  keepalivedLvsFiles,
  keepalivedLvsChecks,
  keepalivedLvsService,
  KEEPALIVED_LVS_SERVICE,
  keepalivedChecks,
  keepalivedServices,
  NO_BFD_MESSAGE,
  KEEPALIVED_SERVICE,
  type KeepalivedOwner,
} from './service.js';
export {
  parseEventLine,
  splitEventLines,
  eventService,
  ucarpServiceName,
  carpEventLine,
  type PillarsEvent,
  type ParseResult,
  type ServiceAddress,
  type VrrpState,
  type VrrpPriorityEvent,
} from './events.js';
export { ipvsSyncView, renderIpvsSync, ipvsSyncPath, IPVS_SYNC_SERVICE, type IpvsSyncView } from './ipvs-sync.js';
