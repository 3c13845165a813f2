import { stripVTControlCharacters } from 'node:util';

/** A table a benchmark printed: its header cells and one row per measured subject. */
export interface BenchmarkTable {
  readonly columns: readonly string[];
  readonly rows: readonly BenchmarkRow[];
}

export interface BenchmarkRow {
  readonly name: string;
  /** One value per column after the first: a number, or null where the cell is not one. */
  readonly values: readonly (number | null)[];
  readonly cells: readonly string[];
}

/** What one `pnpm bench:<name>` run printed, read from its saved stdout. */
export interface BenchmarkRun {
  readonly source: string;
  /** `@matchday/bus bench` from pnpm's banner, else the file name. */
  readonly title: string;
  /** `key=value` lines other than ratios: the run's size and checks (`events=20000`, `applied_once=yes …`). */
  readonly parameters: readonly { readonly key: string; readonly value: string }[];
  readonly tables: readonly BenchmarkTable[];
  /** `ratio=` (ours ÷ baseline) first, then each `name_ratio=` in the order printed. */
  readonly ratios: readonly { readonly name: string; readonly value: number }[];
  /** Other lines worth keeping (stage timings, messages). */
  readonly notes: readonly string[];
}

const NUMBER = /^[-+]?(\d+(\.\d*)?|\.\d+)(e[-+]?\d+)?%?$/i;
const RATIO = /^\s*([A-Za-z0-9_]*ratio)\s*=\s*([-+]?(?:\d+(?:\.\d*)?|\.\d+)(?:e[-+]?\d+)?|NaN|Infinity)\s*$/;
const KEY_VALUE = /^[A-Za-z][\w.-]*=\S*$/;
const BORDER = /^[\s┌┬┐├┼┤└┴┘─═╔╗╚╝╠╣╦╩╬+|:-]+$/;
const PIPE = /[│|]/;

const numeric = (cell: string): number | null => {
  const c = cell.trim().replace(/,/g, '');
  if (!NUMBER.test(c)) return null;
  const n = Number(c.replace(/%$/, ''));
  return c.endsWith('%') ? n / 100 : n;
};

/** A whitespace-aligned row: the trailing number cells are values, everything before is the name. */
function alignedRow(line: string, width: number): BenchmarkRow | undefined {
  const tokens = line.trim().split(/\s+/);
  const values: number[] = [];
  while (tokens.length > 1 && values.length < width - 1) {
    const n = numeric(tokens[tokens.length - 1] ?? '');
    if (n === null) break;
    values.unshift(n);
    tokens.pop();
  }
  if (values.length !== width - 1 || tokens.length === 0) return undefined;
  const name = tokens.join(' ');
  return { name, values, cells: [name, ...line.trim().split(/\s+/).slice(-values.length)] };
}

function pipeCells(line: string): string[] {
  const cells = line.split(PIPE).map((c) => c.trim());
  if (cells[0] === '') cells.shift();
  if (cells[cells.length - 1] === '') cells.pop();
  return cells;
}

/**
 * Reads a benchmark's saved stdout: pnpm's banner, `key=value` parameter lines, tables (aligned
 * with spaces as the house benchmarks print them, or boxed like `console.table`, or markdown) and
 * the closing `ratio=` / `name_ratio=` lines.
 */
export function parseBenchmarkOutput(text: string, source: string): BenchmarkRun {
  const lines = stripVTControlCharacters(text).split(/\r?\n/);
  let title: string | undefined;
  let rootScript: string | undefined;
  const parameters: { key: string; value: string }[] = [];
  const tables: BenchmarkTable[] = [];
  const ratios: { name: string; value: number }[] = [];
  const notes: string[] = [];

  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] ?? '';
    const trimmed = line.trim();
    if (trimmed === '') continue;
    const banner = /^>\s+(@?[\w@/.-]+?)(?:@[\w.-]+)?\s+([\w:-]+)\s+\//.exec(trimmed);
    if (banner) {
      // The root's banner names the script people type (`pnpm bench:bus`); a package's, its own script.
      const name = (banner[1] ?? '').replace(/@$/, '');
      if (name === 'matchday') rootScript = `pnpm ${banner[2]}`;
      else title ??= `${name} ${banner[2]}`;
      continue;
    }
    if (trimmed.startsWith('>')) continue;
    const ratio = RATIO.exec(trimmed);
    if (ratio) {
      ratios.push({ name: ratio[1] ?? 'ratio', value: Number(ratio[2]) });
      continue;
    }
    const tokens = trimmed.split(/\s+/);
    if (tokens.every((t) => KEY_VALUE.test(t))) {
      for (const t of tokens) {
        const [key = '', ...rest] = t.split('=');
        parameters.push({ key, value: rest.join('=') });
      }
      continue;
    }
    if (KEY_VALUE.test(tokens[0] ?? '')) {
      const [key = '', ...rest] = trimmed.split('=');
      parameters.push({ key, value: rest.join('=') });
      continue;
    }

    // A boxed or markdown table: pipe-separated header, then rows until the pipes stop.
    if (PIPE.test(trimmed) && !BORDER.test(trimmed)) {
      const columns = pipeCells(trimmed);
      const rows: BenchmarkRow[] = [];
      let j = i + 1;
      for (; j < lines.length; j++) {
        const next = (lines[j] ?? '').trim();
        if (next === '' || !(PIPE.test(next) || BORDER.test(next))) break;
        if (BORDER.test(next)) continue;
        const cells = pipeCells(next);
        rows.push({ name: cells[0] ?? '', values: cells.slice(1).map(numeric), cells });
      }
      if (columns.length >= 2 && rows.length > 0) {
        tables.push({ columns, rows });
        i = j - 1;
        continue;
      }
    }

    // An aligned table: a header of 2+ cells separated by 2+ spaces, followed by rows ending in numbers.
    const columns = trimmed.split(/\s{2,}/);
    if (columns.length >= 2 && columns.some((c) => numeric(c) === null)) {
      const rows: BenchmarkRow[] = [];
      let j = i + 1;
      for (; j < lines.length; j++) {
        const row = alignedRow(lines[j] ?? '', columns.length);
        if (!row) break;
        rows.push(row);
      }
      if (rows.length > 0) {
        tables.push({ columns, rows });
        i = j - 1;
        continue;
      }
    }
    notes.push(trimmed);
  }
  ratios.sort((a, b) => (a.name === 'ratio' ? -1 : b.name === 'ratio' ? 1 : 0));
  return { source, title: rootScript ?? title ?? source.split(/[\\/]/).pop() ?? source, parameters, tables, ratios, notes };
}
