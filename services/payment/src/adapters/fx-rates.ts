import { crossRate, type RateSource, type RateTable } from '../domain/currency';

/**
 * Rates from a table (FX_RATES): there is no market feed offline. The table can be swapped at run
 * time (an operator, a feed poller, or a test moving the market); quotes already given keep theirs.
 */
export class TableRateSource implements RateSource {
  constructor(private table: RateTable) {}

  rate(from: string, to: string): number {
    return crossRate(this.table, from, to);
  }

  /** Replaces the table (or some of its rates). */
  update(rates: Record<string, number>, base = this.table.base): void {
    this.table = { base, rates: { ...(base === this.table.base ? this.table.rates : {}), ...rates } };
  }

  current(): RateTable {
    return { base: this.table.base, rates: { ...this.table.rates } };
  }
}
