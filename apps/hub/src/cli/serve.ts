import type { HubConfig } from '../config/config.schema.js';
import type { Demo } from '../demo/demo.js';
import { ListenError, startHub, type RunningHub } from '../hub.js';
import { createRootLogger } from '../logging/logger.js';

/**
 * Starts the hub (and in demo mode the simulated house) and keeps it running until SIGINT or SIGTERM.
 * A hub that cannot start ends the process with one clear message and status 1.
 */
export async function serve(config: HubConfig): Promise<void> {
  const logger = createRootLogger(config.log);
  let hub: RunningHub;
  let demo: Demo | undefined;
  try {
    // Only a demo loads the simulator.
    const demoMode = config.demo.enabled ? await import('../demo/demo.js') : undefined;
    hub = await startHub(demoMode ? demoMode.withDemoTopics(config) : config, logger);
    demo = await demoMode?.startDemo(hub, config, logger);
  } catch (error) {
    if (error instanceof ListenError) logger.fatal(error.message);
    else logger.fatal({ err: error }, 'hub failed to start');
    logger.flush();
    process.exit(1);
  }
  // Simulated devices leave before the broker closes, so their goodbyes arrive. A second signal finds
  // no handler and ends the process at once.
  const stop = (signal: NodeJS.Signals) =>
    void (async () => {
      await demo?.stop();
      await hub.close();
      process.kill(process.pid, signal);
    })();
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}
