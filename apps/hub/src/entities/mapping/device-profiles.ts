import { existsSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { loadProfiles, type DeviceProfile } from '@hearth/entities';
import type { Logger } from '../../logging/logger.js';
import { findUp } from '../../paths.js';

/** The device profiles in HEARTH_PROFILES_DIR, relative to the working directory or the installation; bad ones are logged and skipped. */
export async function readDeviceProfiles(configured: string, log: Logger): Promise<DeviceProfile[]> {
  const dir = isAbsolute(configured) ? configured : [resolve(configured), findUp(configured)].find((d) => d !== null && existsSync(d));
  if (!dir) {
    log.warn({ dir: configured }, 'no device profiles directory');
    return [];
  }
  const { profiles, errors } = await loadProfiles(dir);
  for (const error of errors) log.error({ error }, 'invalid device profile, skipped');
  return profiles;
}
