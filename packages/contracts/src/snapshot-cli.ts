/**
 * Writes the current event schemas to schema-snapshots/events.json after checking the change is
 * additive. Run it when a contract gains a field or an event type: pnpm --filter @matchday/contracts snapshot
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { compareSnapshots, currentSnapshot } from './compatibility';

const file = join(__dirname, '..', 'schema-snapshots', 'events.json');
const current = currentSnapshot();
if (existsSync(file)) {
  const problems = compareSnapshots(JSON.parse(readFileSync(file, 'utf8')), current);
  if (problems.length > 0) {
    console.error(`not additive; publish a new version (.v2) instead:\n  ${problems.join('\n  ')}`);
    process.exit(1);
  }
}
writeFileSync(file, `${JSON.stringify(current, null, 2)}\n`);
console.log(`snapshot: ${Object.keys(current).length} event types written to ${file}`);
