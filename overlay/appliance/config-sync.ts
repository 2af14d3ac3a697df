/**
 * `pillarsctl save [--peer] [--force]` and the config sync between the two sticks of a pair, over
 * the authenticated peer channel (admin.cluster, mode admin.cluster.config_sync).
 *
 * A save writes the running config to this node's stick (the atomic, history-keeping save). With
 * the peer (`--peer`, or every save in auto mode) it first asks the peer what its stick holds, and
 * the versions decide (config/sync.ts): when the peer's current version is one this node's lineage
 * holds, the peer has not changed since, and the config is written here and then sent; the peer
 * checks the same way, validates it (loadConfig, its node, its image) and writes its own stick,
 * keeping the generation number. A conflict (both changed since the last common version) or a
 * newer peer writes nothing on either stick and is reported on both consoles and in status. A
 * peer that does not answer: saved here, reported as not reached, and sent again when it answers
 * (retried with a growing pause). In auto mode the node also sends its stick's config when it is
 * newer than the peer's, at boot and reload.
 *
 * The running config descends from the stick version it was loaded from (its base). A stick that
 * moved past the base since (the peer sent a newer config) is not overwritten by a save of the
 * older running config: that is a conflict too, until `pillarsctl reload` runs the new one.
 *
 * Stick reads and writes (saves here, configs from the peer) run one at a time, and never wait on
 * the network: a save decides from what it read, and writes only if the stick still holds that
 * version (a config the peer sent meanwhile makes it stop). So two nodes saving to each other at
 * the same moment never wait on each other; each finds the other changed (a conflict).
 */
import { formatIssue, loadConfig, selectNode } from '../config/index.js';
import {
  derive,
  maxGeneration,
  relate,
  sameVersion,
  versionSha,
  type Lineage,
  type StickLineage,
  type Version,
} from '../config/sync.js';
import { admitConfig, type ImageInfo } from '../roles/enforce.js';
import { peerChannelPlan } from '../status/cluster-config.js';
import type { ConfigPush, PeerAsk, PeerConfigState, PeerEndpoint, PushAnswer, SyncMode } from '../status/peer.js';
import { ControlError } from '../supervisor/control-protocol.js';
import type { SyncOutcome, SyncView } from '../supervisor/status-view.js';
import type { Outcome } from './configure.js';
import type { Stick } from './ports.js';
import type { ApplianceState } from './state.js';

/** The two requests of the peer channel config sync uses (status/peer.ts; fakes in tests). */
export interface PeerLink {
  state(peer: PeerEndpoint): Promise<PeerAsk<PeerConfigState>>;
  push(peer: PeerEndpoint, push: ConfigPush): Promise<PeerAsk<PushAnswer>>;
}

export interface Timers {
  set(fn: () => void, ms: number): unknown;
  clear(handle: unknown): void;
}

export interface ConfigSyncDeps {
  stick: Pick<Stick, 'mountPoint' | 'mounted' | 'save' | 'lineage'>;
  link: PeerLink;
  macs(): string[];
  image(): ImageInfo;
  /** pillars.node= from the kernel command line. */
  nodeOverride: string | undefined;
  now?: () => number;
  timers?: Timers;
  /** Pause before the first retry and the longest pause (ms). */
  retry?: { firstMs: number; maxMs: number };
  /** Pause before the sync an auto-mode config starts with (the peer may still be booting). */
  autoDelayMs?: number;
}

/** What `pillarsctl save` answers; `sync` decides pillarsctl's exit code. */
export interface SaveResult {
  message: string;
  /** The stick's generation after the save (written or not). */
  generation?: number;
  written: boolean;
  sync?: SyncOutcome;
  peer?: string;
}

export const RETRY_FIRST_MS = 5000;
export const RETRY_MAX_MS = 30_000;
export const AUTO_DELAY_MS = 3000;

const short = (v: Version) => `generation ${v.generation} (sha256 ${v.sha256.slice(0, 12)})`;
const message = (err: unknown) => (err instanceof Error ? err.message : String(err));

export function createConfigSync(state: ApplianceState, deps: ConfigSyncDeps) {
  const now = deps.now ?? Date.now;
  const timers: Timers = deps.timers ?? {
    set: (fn, ms) => {
      const t = setTimeout(fn, ms);
      t.unref();
      return t;
    },
    clear: (h) => clearTimeout(h as NodeJS.Timeout),
  };
  const retryFirst = deps.retry?.firstMs ?? RETRY_FIRST_MS;
  const retryMax = deps.retry?.maxMs ?? RETRY_MAX_MS;
  let peer: { name: string; endpoint: PeerEndpoint } | undefined;
  let timer: unknown;
  let pause = retryFirst;
  let queue: Promise<unknown> = Promise.resolve();
  let stopped = false;
  let syncing: Promise<void> | undefined;

  /** Stick I/O one at a time (never held across a request to the peer). */
  const serial = <T>(f: () => Promise<T>): Promise<T> => {
    const run = queue.then(f, f);
    queue = run.catch(() => undefined);
    return run;
  };

  /** Where a save goes: the stick's device, or "the stick" when the config came from a file. */
  const stickName = () => {
    const d = state.running?.outcome.source.device ?? '';
    return d.startsWith('/dev/') ? d : 'the stick';
  };
  const view = (): SyncView => (state.sync ??= { mode: 'off', retrying: false });
  const node = () => state.running?.outcome.nodeName ?? '';

  const record = (outcome: SyncOutcome, text: string) => {
    view().last = { at: now(), outcome, message: text };
  };

  async function readStick(): Promise<StickLineage | undefined> {
    const r = await deps.stick.lineage();
    const v = view();
    if (r) v.lineage = r.lineage;
    else delete v.lineage;
    if (r?.unconfirmed) v.unconfirmed = r.unconfirmed;
    else delete v.unconfirmed;
    return r;
  }

  async function write(body: string, atLeast?: number): Promise<number> {
    const gen = await deps.stick.save(body, state.say, atLeast !== undefined ? { atLeast } : {});
    await readStick();
    return gen;
  }

  /** Write `body` if the stick still holds `expect` (what the decision was made on); else undefined. */
  const writeIfUnchanged = (expect: Version | undefined, body: string, atLeast?: number) =>
    serial(async () => {
      const now = await readStick();
      if (expect ? !sameVersion(now?.lineage.current, expect) : now !== undefined) return undefined;
      return write(body, atLeast);
    });

  // ------------------------------------------------------------------ retries
  function stopRetry(): void {
    if (timer !== undefined) timers.clear(timer);
    timer = undefined;
    pause = retryFirst;
    view().retrying = false;
  }

  function retryLater(delay = pause): void {
    view().retrying = true;
    if (timer !== undefined || stopped) return;
    timer = timers.set(() => {
      timer = undefined;
      pause = Math.min(pause * 2, retryMax);
      void syncOnce().catch((err: unknown) => state.say(`pillars: config sync: WARNING: ${message(err)}`));
    }, delay);
  }

  // ------------------------------------------------------------------ sending
  const conflictLine = (p: string, mine: Version, theirs: Version, common: Version | undefined) =>
    `both sticks changed since ${common ? short(common) : 'any generation they share'}: this node ${short(mine)}, ${p} ${short(theirs)}; nothing was overwritten`;

  /** What to say about a push's answer, and how it counts. */
  function pushed(p: string, a: PeerAsk<PushAnswer>): { outcome: SyncOutcome; text: string } {
    if (!a.ok)
      return a.reached
        ? { outcome: 'refused', text: `${p} refused the config: ${a.error}` }
        : { outcome: 'not-reached', text: `${p} not reached (${a.error})` };
    const r = a.value;
    switch (r.result) {
      case 'saved':
        return { outcome: 'synced', text: `${p} saved it as generation ${r.generation}` };
      case 'equal':
        return { outcome: 'equal', text: `${p} already holds it` };
      case 'newer':
        return { outcome: 'newer', text: `${p}: ${r.message}` };
      case 'conflict':
        return { outcome: 'conflict', text: `CONFLICT reported by ${p}: ${r.message}` };
      default:
        return { outcome: 'refused', text: `${p} refused the config: ${r.message}` };
    }
  }

  function after(outcome: SyncOutcome, text: string): void {
    record(outcome, text);
    if (outcome === 'not-reached') retryLater();
    else stopRetry();
  }

  /** One syncStick at a time. */
  function syncOnce(): Promise<void> {
    syncing ??= syncStick().finally(() => (syncing = undefined));
    return syncing;
  }

  /**
   * Send what the stick holds when it is newer than the peer's (auto mode at boot and reload, and
   * every retry). A conflict is sent too, so the peer reports it as well.
   */
  async function syncStick(): Promise<void> {
    const p = peer;
    if (!p || stopped) return;
    const cur = await serial(() => readStick());
    if (!cur) return stopRetry();
    const st = await deps.link.state(p.endpoint);
    if (!st.ok) {
      if (st.reached) {
        state.say(`pillars: config sync: ${p.name} refused: ${st.error}`);
        return after('refused', `${p.name} refused: ${st.error}`);
      }
      return retryLater();
    }
    const remote = st.value.lineage;
    if (!remote) return after('refused', `${p.name} has no config stick mounted`);
    const d = relate(cur.lineage, remote);
    if (d.relation === 'equal') return after('equal', `both sticks hold ${short(cur.lineage.current)}`);
    if (d.relation === 'remote-newer')
      return after(
        'newer',
        `${p.name}'s stick holds a newer ${short(remote.current)}; ${st.value.mode === 'auto' ? 'it sends it itself' : `pillarsctl save --peer on ${p.name} sends it here`}`,
      );
    const a = await deps.link.push(p.endpoint, {
      from: node(),
      generation: cur.lineage.current.generation,
      sha256: cur.lineage.current.sha256,
      body: cur.body,
      lineage: cur.lineage,
      force: false,
    });
    const r = pushed(p.name, a);
    if (d.relation === 'conflict' && r.outcome !== 'not-reached') {
      const text = conflictLine(p.name, cur.lineage.current, remote.current, d.common);
      state.say(`pillars: CONFIG CONFLICT with ${p.name}: ${text}`);
      return after('conflict', `CONFLICT: ${text}`);
    }
    if (r.outcome === 'synced')
      state.say(`pillars: config sync: sent ${short(cur.lineage.current)} to ${p.name}: ${r.text}`);
    else if (r.outcome !== 'not-reached') state.say(`pillars: config sync: ${r.text}`);
    after(r.outcome, r.outcome === 'synced' ? `sent ${short(cur.lineage.current)}: ${r.text}` : r.text);
  }

  /** `pillarsctl save [--peer] [--force]`. */
  async function save(opts: { peer?: boolean; force?: boolean } = {}): Promise<SaveResult> {
    const r = state.running;
    if (!r) throw new ControlError('nothing to save: the appliance is unconfigured');
    if (!deps.stick.mounted()) throw new ControlError(`no stick mounted at ${deps.stick.mountPoint}`);
    const mode = view().mode;
    const toPeer = opts.peer === true || mode === 'auto';
    if (opts.peer && !peer)
      throw new ControlError(
        'no peer to send the config to',
        'the peer channel needs admin.cluster (interface, key) and a second node with an address on that interface',
      );
    if (toPeer && mode === 'off')
      throw new ControlError('config sync is off on this node', 'set admin.cluster.config_sync to manual or auto');
    // A config on probation (pillarsctl reload --confirm) is saved here only, with commit-confirm's
    // mark; the peer gets a config only once it is confirmed.
    const probation = state.confirm?.state === 'pending';
    if (probation && opts.peer)
      throw new ControlError(
        'the running config is on probation (reload --confirm): it goes to the peer only once confirmed',
        'pillarsctl confirm, then pillarsctl save --peer',
      );
    if (probation) {
      state.say(`pillars: saving the running config to ${stickName()}`);
      const gen = await serial(() => write(r.outcome.body));
      const note = toPeer && peer ? `; not sent to ${peer.name} while it is on probation` : '';
      return saved(gen, `saved as generation ${gen}${note}`);
    }
    const body = r.outcome.body;
    const sha = versionSha(body);
    const cur = await serial(() => readStick());
    const base = view().base;
    // The stick moved past the running config's base (a config from the peer this node does not run).
    if (cur && base && !opts.force && cur.lineage.current.sha256 !== sha && !sameVersion(cur.lineage.current, base)) {
      const text = `the stick holds ${short(cur.lineage.current)}, which this node does not run (it runs a config based on generation ${base.generation}); nothing was written: pillarsctl reload runs the stick's config, pillarsctl save --force overwrites it`;
      state.say(`pillars: save refused: ${text}`);
      if (toPeer) record('conflict', `CONFLICT: ${text}`);
      return {
        message: `CONFLICT: ${text}`,
        generation: cur.lineage.current.generation,
        written: false,
        sync: 'conflict',
      };
    }
    if (!toPeer || !peer) {
      state.say(`pillars: saving the running config to ${stickName()}`);
      const gen = await serial(() => write(body));
      return saved(gen, `saved as generation ${gen}`);
    }
    return savePeer(peer, body, sha, cur, opts.force === true);
  }

  const changedMeanwhile = (p: string): SaveResult => {
    const text = `the stick changed while saving (a config from ${p} arrived); nothing was written: see pillarsctl status, then save again`;
    state.say(`pillars: save: ${text}`);
    record('conflict', text);
    return { message: text, written: false, sync: 'conflict', peer: p };
  };

  function saved(gen: number, text: string, extra: Partial<SaveResult> = {}): SaveResult {
    const r = state.running!;
    r.outcome.source.generation = gen;
    view().base = { generation: gen, sha256: versionSha(r.outcome.body) };
    state.say(`pillars: saved the running config to ${stickName()} as generation ${gen}`);
    return { message: text, generation: gen, written: true, ...extra };
  }

  async function savePeer(
    p: { name: string; endpoint: PeerEndpoint },
    body: string,
    sha: string,
    cur: { lineage: Lineage; body: string } | undefined,
    force: boolean,
  ): Promise<SaveResult> {
    const needWrite = !cur || cur.lineage.current.sha256 !== sha;
    const local = async (outcome: SyncOutcome, why: string): Promise<SaveResult> => {
      record(outcome, why);
      if (outcome === 'not-reached') retryLater();
      if (!needWrite) {
        state.say(`pillars: config sync: ${why}`);
        return {
          message: `the stick already holds the running config; ${why}`,
          generation: cur!.lineage.current.generation,
          written: false,
          sync: outcome,
          peer: p.name,
        };
      }
      const gen = await writeIfUnchanged(cur?.lineage.current, body);
      if (gen === undefined) return changedMeanwhile(p.name);
      const done = saved(gen, `saved as generation ${gen} on this stick only: ${why}`, { sync: outcome, peer: p.name });
      state.say(`pillars: config sync: ${why}; saved on this stick only`);
      return done;
    };
    const st = await deps.link.state(p.endpoint);
    if (!st.ok)
      return local(
        st.reached ? 'refused' : 'not-reached',
        st.reached ? `${p.name} refused: ${st.error}` : `${p.name} not reached (${st.error})`,
      );
    if (st.value.mode === 'off') return local('refused', `config sync is off on ${p.name}`);
    const remote = st.value.lineage;
    if (!remote) return local('refused', `${p.name} has no config stick mounted`);
    const next: Version = { generation: Math.max(maxGeneration(cur?.lineage), maxGeneration(remote)) + 1, sha256: sha };
    const mine: Lineage = cur ? derive(cur.lineage, cur.lineage.current, next) : { current: next, versions: [next] };
    const d = relate(mine, remote);
    if (!force && (d.relation === 'conflict' || d.relation === 'remote-newer')) {
      const text =
        d.relation === 'conflict'
          ? conflictLine(p.name, mine.current, remote.current, d.common)
          : `${p.name}'s stick holds a newer ${short(remote.current)}; nothing was written: pillarsctl save --peer on ${p.name} sends it here, pillarsctl save --peer --force here overwrites it`;
      if (d.relation === 'conflict') {
        // Not written here; the peer hears of it too, so both consoles and status pages show it.
        await deps.link.push(p.endpoint, {
          from: node(),
          generation: mine.current.generation,
          sha256: sha,
          body,
          lineage: mine,
          force: false,
        });
        state.say(`pillars: CONFIG CONFLICT with ${p.name}: ${text}`);
      } else state.say(`pillars: config sync: ${text}`);
      const outcome = d.relation === 'conflict' ? 'conflict' : 'newer';
      after(outcome, `${d.relation === 'conflict' ? 'CONFLICT: ' : ''}${text}`);
      return {
        message: `${d.relation === 'conflict' ? 'CONFLICT: ' : ''}${text}`,
        ...(cur ? { generation: cur.lineage.current.generation } : {}),
        written: false,
        sync: outcome,
        peer: p.name,
      };
    }
    if (!force && d.relation === 'equal' && !needWrite) {
      after('equal', `both sticks hold ${short(mine.current)}`);
      return {
        message: `the stick already holds the running config, and so does ${p.name}: ${short(mine.current)}`,
        generation: mine.current.generation,
        written: false,
        sync: 'equal',
        peer: p.name,
      };
    }
    let sent = mine;
    let gen = mine.current.generation;
    if (needWrite) {
      state.say(`pillars: saving the running config to ${stickName()}`);
      const written = await writeIfUnchanged(cur?.lineage.current, body, next.generation);
      if (written === undefined) return changedMeanwhile(p.name);
      gen = written;
      const v = { generation: gen, sha256: sha };
      sent = cur ? derive(cur.lineage, cur.lineage.current, v) : { current: v, versions: [v] };
      saved(gen, '');
    }
    const a = await deps.link.push(p.endpoint, {
      from: node(),
      generation: gen,
      sha256: sha,
      body,
      lineage: sent,
      force,
    });
    const res = pushed(p.name, a);
    const head = needWrite ? `saved as generation ${gen}` : `the stick already holds generation ${gen}`;
    const text = `${head}; ${res.outcome === 'not-reached' ? `${res.text}: saved on this stick only, sent again when ${p.name} answers` : res.text}`;
    state.say(`pillars: config sync: ${text}`);
    if (res.outcome === 'conflict')
      state.say(`pillars: CONFIG CONFLICT with ${p.name}: ${a.ok ? a.value.message : ''}`);
    after(res.outcome, res.text);
    return { message: text, generation: gen, written: needWrite, sync: res.outcome, peer: p.name };
  }

  // ------------------------------------------------------------------ receiving
  const answer = (result: PushAnswer['result'], text: string, extra: Partial<PushAnswer> = {}): PushAnswer => ({
    node: node(),
    result,
    message: text,
    ...extra,
  });

  /** A config the peer sent for this stick (POST /peer/config). */
  async function receive(push: ConfigPush): Promise<PushAnswer> {
    const from = push.from;
    const refuse = (why: string) => {
      state.say(`pillars: config sync: refused the config ${from} sent: ${why}`);
      record('refused', `refused the config ${from} sent: ${why}`);
      return answer('refused', why);
    };
    if (!state.running) return refuse(`${node() || 'this node'} is unconfigured`);
    if (view().mode === 'off') return refuse(`config sync is off on ${node()} (admin.cluster.config_sync)`);
    if (peer && from !== peer.name) return refuse(`${from} is not this node's peer (${peer.name})`);
    if (versionSha(push.body) !== push.sha256) return refuse('the text does not match its sha256');
    if (!deps.stick.mounted()) return refuse(`no stick mounted at ${deps.stick.mountPoint}`);
    const loaded = loadConfig(push.body, 'pillars.yaml');
    if (!loaded.ok) {
      const n = loaded.issues.length;
      return refuse(
        `invalid config (${n} error${n === 1 ? '' : 's'}): ${loaded.issues.slice(0, 3).map(formatIssue).join('; ')}`,
      );
    }
    const sel = selectNode(loaded.config, deps.macs(), deps.nodeOverride);
    if (!sel.ok) return refuse(`this node would not find itself in it: ${sel.reason}`);
    let image: ImageInfo;
    try {
      image = deps.image();
    } catch (err) {
      return refuse(`cannot tell this image's profile: ${message(err)}`);
    }
    const admitted = admitConfig(loaded.config, image);
    if (!admitted.ok) return refuse(`this image cannot enforce it: ${admitted.reason}`);
    return serial(async () => {
      const cur = await readStick();
      const theirs = push.lineage.current;
      if (cur && !push.force) {
        const d = relate(cur.lineage, push.lineage);
        const mine = cur.lineage.current;
        if (d.relation === 'equal') {
          record('equal', `${from} sent ${short(theirs)}, which this stick holds`);
          stopRetry();
          return answer('equal', `${node()} already holds it`, { current: mine });
        }
        if (d.relation === 'local-newer') {
          const text = `${node()}'s stick holds a newer ${short(mine)} than the ${short(theirs)} ${from} sent; nothing was overwritten`;
          state.say(`pillars: config sync: ${text}`);
          record('newer', text);
          return answer('newer', text, { current: mine, ...(d.common ? { common: d.common } : {}) });
        }
        if (d.relation === 'conflict') {
          const text = `${from} sent ${short(theirs)}, but ${node()}'s stick changed too since ${d.common ? short(d.common) : 'any generation they share'} (it holds ${short(mine)}); nothing was overwritten`;
          state.say(`pillars: CONFIG CONFLICT with ${from}: ${text}`);
          record('conflict', `CONFLICT: ${text}`);
          stopRetry();
          return answer('conflict', text, { current: mine, ...(d.common ? { common: d.common } : {}) });
        }
      }
      let gen: number;
      try {
        gen = await write(push.body, push.generation);
      } catch (err) {
        return refuse(`writing the stick failed: ${message(err)}`);
      }
      const runs = state.running?.outcome.source.generation;
      state.say(
        `pillars: config sync: ${from} sent ${short(theirs)}${push.force ? ' (forced)' : ''}: saved to the stick as generation ${gen}; this node runs generation ${runs} until pillarsctl reload (or the next boot)`,
      );
      record('received', `received generation ${gen} from ${from}${push.force ? ' (forced)' : ''}`);
      stopRetry();
      return answer('saved', `saved as generation ${gen}`, { generation: gen });
    });
  }

  /**
   * GET /peer/config: what the stick was last read as (every write here reads it back), without
   * waiting for a write in progress.
   */
  async function configState(): Promise<PeerConfigState> {
    const v = view();
    if (!deps.stick.mounted()) return { node: node(), mode: v.mode };
    const lineage = v.lineage ?? (await readStick())?.lineage;
    return { node: node(), mode: v.mode, ...(lineage ? { lineage } : {}) };
  }

  /** A config runs (boot or reload): who the peer is, which mode, the running config's base. */
  async function configured(o: Outcome): Promise<void> {
    const plan = peerChannelPlan(o.config, o.nodeName);
    const mode: SyncMode = o.config.admin?.cluster ? (o.config.admin.cluster.config_sync ?? 'manual') : 'off';
    const wasRetrying = view().retrying;
    const before = peer;
    peer = plan?.peer ? { name: plan.peer.name, endpoint: plan.peer.endpoint } : undefined;
    const v = view();
    v.mode = mode;
    if (peer) v.peer = peer.name;
    else delete v.peer;
    if (
      before &&
      (!peer || before.name !== peer.name || JSON.stringify(before.endpoint) !== JSON.stringify(peer.endpoint))
    )
      delete v.last;
    stopRetry();
    await serial(async () => {
      const cur = deps.stick.mounted() ? await readStick() : undefined;
      // The running config descends from what the stick holds now (a reload from a file as well).
      if (cur) v.base = cur.lineage.current;
      else delete v.base;
    });
    if (peer && mode !== 'off' && (mode === 'auto' || wasRetrying)) retryLater(deps.autoDelayMs ?? AUTO_DELAY_MS);
  }

  return {
    save,
    receive,
    configState,
    configured,
    /** Run any pending retry now (tests). */
    syncNow: () => syncOnce(),
    stop(): void {
      stopped = true;
      stopRetry();
    },
  };
}

export type ConfigSync = ReturnType<typeof createConfigSync>;
