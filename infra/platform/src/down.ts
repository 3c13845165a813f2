/** ./matchday down — stops what ./matchday up started (it shuts its processes down in order). */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const pidFile = join(__dirname, '..', '..', '..', '.run', 'platform.pid');
const pid = existsSync(pidFile) ? Number(readFileSync(pidFile, 'utf8')) : 0;
if (!pid) {
  console.log('platform: not running');
} else {
  try {
    process.kill(pid, 'SIGTERM');
    console.log(`platform: stopping (pid ${pid})`);
  } catch {
    console.log('platform: not running');
  }
}
