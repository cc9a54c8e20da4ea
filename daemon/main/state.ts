import { loadConfig } from '../config/load.js';
import type { Config } from '../config/schema.js';
import { createEngine, type Engine } from '../engine/index.js';
import type { Paths } from '../paths.js';
import { createSinks } from '../sinks/index.js';
import { errText, type Logger } from './log.js';

// What a config reload replaces: the config, the engine built from it, and the sinks when their
// part of the config changed. Everything else reads them through this object's getters.

export type Sinks = Awaited<ReturnType<typeof createSinks>>;

export interface ConfigState {
  loadedAt: number;
  reloads: number;
  lastError: string | null;
}

export class DaemonState {
  private cfg: Config;
  private eng: Engine;
  private snk!: Sinks;
  private state: ConfigState = { loadedAt: Date.now(), reloads: 0, lastError: null };

  /** Loads the config (a ConfigError when it is invalid) and builds the engine; openSinks() next. */
  constructor(
    private readonly paths: Paths,
    private readonly hostname: string,
    private readonly log: Logger,
  ) {
    this.cfg = loadConfig(paths);
    this.eng = createEngine(this.cfg, { hostname });
  }

  async openSinks(): Promise<void> {
    this.snk = await this.buildSinks(this.cfg);
  }

  get config(): Config {
    return this.cfg;
  }
  get engine(): Engine {
    return this.eng;
  }
  get sinks(): Sinks {
    return this.snk;
  }
  get configState(): ConfigState {
    return this.state;
  }

  /** Re-reads the config; a bad one is logged and the last good one kept. */
  reload(): boolean {
    let next: Config;
    try {
      next = loadConfig(this.paths);
    } catch (err) {
      this.state = { ...this.state, lastError: errText(err) };
      this.log.error({ err: errText(err) }, 'config reload failed; keeping the last good config');
      return false;
    }
    this.eng = createEngine(next, { hostname: this.hostname });
    const sinksChanged = JSON.stringify([next.syslog, next.alerts]) !== JSON.stringify([this.cfg.syslog, this.cfg.alerts]);
    if (next.daemon.tcpPort !== this.cfg.daemon.tcpPort) this.log.warn('daemon.tcpPort changed: takes effect at the next restart');
    this.cfg = next;
    this.state = { loadedAt: Date.now(), reloads: this.state.reloads + 1, lastError: null };
    if (sinksChanged) this.replaceSinks(next);
    this.log.info({ reloads: this.state.reloads }, 'config reloaded');
    return true;
  }

  /** Closes the sinks in use (at stop). */
  closeSinks(): Promise<void> {
    return this.snk.close();
  }

  private replaceSinks(next: Config): void {
    const old = this.snk;
    void (async () => {
      this.snk = await this.buildSinks(next);
      await old.close();
    })().catch((err) => this.log.error({ err: errText(err) }, 'sinks could not be recreated'));
  }

  private async buildSinks(config: Config): Promise<Sinks> {
    return createSinks(config, { dataDir: this.paths.dataDir, logger: this.log.child({ part: 'sinks' }), hostname: this.hostname });
  }
}
