import type { HubConfig } from './config/config.schema.js';
import { ConfigError, loadConfig } from './config/load-config.js';
import { ListenError, startHub } from './hub.js';
import { createRootLogger } from './logging/logger.js';

/** `node dist/src/main.js`: configuration problems and busy ports end the process with one clear message. */
async function main(): Promise<void> {
  let config: HubConfig;
  try {
    config = loadConfig({ env: process.env, cwd: process.cwd() });
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`hearth: ${error.message}\n`);
    process.exit(2);
  }
  const logger = createRootLogger(config.log);
  try {
    const hub = await startHub(config, logger);
    hub.app.enableShutdownHooks();
  } catch (error) {
    if (error instanceof ListenError) logger.fatal(error.message);
    else logger.fatal({ err: error }, 'hub failed to start');
    logger.flush();
    process.exit(1);
  }
}

void main();
