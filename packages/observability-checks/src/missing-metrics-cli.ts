/**
 * pnpm --filter @matchday/observability-checks missing-metrics
 * Prints the required domain metrics that no package or service declares yet, by service.
 */
import { loadInventory, missingMetricsReport } from './inventory';

const { missing, required } = loadInventory();
console.log(missingMetricsReport(missing) || `All ${required.length} required metrics are declared.`);
