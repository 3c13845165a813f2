import * as cheerio from 'cheerio';
import { barChart, escapeXml, formatValue, lineChart, niceTicks } from '../src';

describe('charts', () => {
  it('when the axis is laid out, then round ticks cover every value', () => {
    expect(niceTicks(0, 1100)).toEqual([0, 500, 1000, 1500]);
    expect(niceTicks(0, 0.97)).toEqual([0, 0.2, 0.4, 0.6, 0.8, 1]);
    expect(niceTicks(5, 5)[0]).toBeLessThan(5);
    expect(niceTicks(5, 5).at(-1)).toBeGreaterThan(5);
  });

  it('when a series has a gap (NaN), then the line breaks there instead of dropping to zero', () => {
    const svg = lineChart({
      title: 'Gappy',
      unit: 'ratio',
      series: [{ name: 's', points: [[0, 0.5], [60, 0.6], [120, NaN], [180, 0.7], [240, 0.8]] }],
    });
    const $ = cheerio.load(svg, { xml: true });
    expect($('polyline').length).toBe(2);
    expect($('polyline').map((_, el) => $(el).attr('points')?.split(' ').length).get()).toEqual([2, 2]);
    expect($('text.tick').map((_, el) => $(el).text()).get()).toContain('80%');
  });

  it('when labels hold markup characters, then they are escaped and the SVG stays well-formed', () => {
    const svg = barChart({ title: 'a<b & "c"', unit: 'count', bars: [{ label: '<script>', value: 3 }] });
    expect(svg).not.toContain('<script>');
    expect(escapeXml('<&>"\'')).toBe('&#60;&#38;&#62;&#34;&#39;');
    const $ = cheerio.load(svg, { xml: true });
    expect($('svg > title').text()).toBe('a<b & "c"');
    expect($('text.label').text()).toBe('<script>');
  });

  it('when figures are printed, then each unit reads naturally', () => {
    expect(formatValue(0.973, 'ratio')).toBe('97.3%');
    expect(formatValue(0.0042, 'seconds')).toBe('4.2 ms');
    expect(formatValue(754, 'seconds')).toBe('12.6 min');
    expect(formatValue(2771, 'milliseconds')).toBe('2.77 s');
    expect(formatValue(20450, 'per_second')).toBe('20.4k/s');
    expect(formatValue(NaN, 'count')).toBe('n/a');
  });
});
