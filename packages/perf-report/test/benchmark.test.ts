import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parseBenchmarkOutput } from '../src';

const fixture = (name: string) => readFileSync(path.join(__dirname, 'fixtures', name), 'utf8');

describe('parseBenchmarkOutput', () => {
  it('when pnpm bench:bus output is read, then its title, parameters, table and ratios come out', () => {
    const run = parseBenchmarkOutput(fixture('bench-bus.txt'), 'bench-bus.txt');
    expect(run.title).toBe('pnpm bench:bus');
    expect(run.parameters).toEqual(expect.arrayContaining([{ key: 'events', value: '20000' }, { key: 'partitions', value: '6' }]));
    expect(run.parameters.find((p) => p.key === 'applied_once')?.value).toMatch(/^yes/);
    expect(run.tables).toHaveLength(1);
    expect(run.tables[0]?.columns).toEqual(['pipeline', 'events/s', 'p50 ms', 'p99 ms', 'seconds']);
    expect(run.tables[0]?.rows.map((r) => r.name)).toEqual(['raw kafkajs produce→consume', 'outbox→relay→Kafka→inbox+effect']);
    expect(run.tables[0]?.rows.every((r) => r.values.length === 4 && r.values.every((v) => typeof v === 'number'))).toBe(true);
    expect(run.ratios.map((r) => r.name)).toEqual(['ratio', 'p99_ratio']);
    expect(run.ratios[0]?.value).toBeCloseTo(0.17);
  });

  it('when a benchmark prints a console.table, then its rows and numbers are read', () => {
    const run = parseBenchmarkOutput(fixture('console-table.txt'), 'fanout.txt');
    expect(run.title).toBe('@matchday/notification bench:fanout');
    expect(run.tables[0]?.columns).toEqual(['(index)', 'pipeline', 'msgs/s', 'p99 ms']);
    expect(run.tables[0]?.rows.map((r) => r.values)).toEqual([
      [null, 1200, 40],
      [null, 1100.5, 61],
    ]);
    expect(run.ratios).toEqual([
      { name: 'ratio', value: 0.92 },
      { name: 'p99_ratio', value: 1.53 },
    ]);
  });

  it('when the output has colour codes and a markdown table, then they are read like plain text', () => {
    const text = '\u001b[32mscenario\u001b[0m\n| case | req/s |\n|---|---|\n| bare node | 9000 |\n| gateway | 4500 |\nratio=0.5\n';
    const run = parseBenchmarkOutput(text, 'x.txt');
    expect(run.tables[0]?.rows.map((r) => [r.name, r.values[0]])).toEqual([
      ['bare node', 9000],
      ['gateway', 4500],
    ]);
    expect(run.ratios).toEqual([{ name: 'ratio', value: 0.5 }]);
    expect(run.title).toBe('x.txt');
  });

  it('when a file holds no benchmark output, then nothing is invented from it', () => {
    const run = parseBenchmarkOutput('Error: connect ECONNREFUSED 127.0.0.1:9092\n    at TCPConnectWrap.afterConnect\n', 'failed.txt');
    expect(run.tables).toEqual([]);
    expect(run.ratios).toEqual([]);
    expect(run.notes[0]).toContain('ECONNREFUSED');
  });
});
