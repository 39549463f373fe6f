import type { HubConfig } from '../config/config.schema.js';
import { describe, type Command } from './command.js';

/** `hearth start`, also what `node dist/src/main.js` runs: the same flags either way. */
export function startCommand(config: HubConfig): Command {
  return {
    name: 'start',
    summary: 'Run the hub: broker, MQTT-SN gateway, API and dashboard.',
    args: [],
    options: { demo: describe({ type: 'boolean' }, 'attach simulated devices (as HEARTH_DEMO=1)') },
    details: [
      'Settings come from HEARTH_* variables, hearth.yaml and .env (see the README).',
      `Demo mode fills the house with simulated lights, plugs, a meter, sensors and garden sensors, with time x${config.demo.timeScale} (HEARTH_DEMO_TIME_SCALE).`,
    ],
    async run({ values }) {
      // Loaded on use: the other commands should not wait for Nest.
      const { serve } = await import('./serve.js');
      await serve(values.demo ? { ...config, demo: { ...config.demo, enabled: true } } : config);
    },
  };
}
