import { describe, expect, it } from 'vitest';
import { escapeXml, formatNumber, renderBarChart } from '../../src/svg-chart.mjs';

describe('escapeXml', () => {
  it('escapes the five XML specials', () => {
    expect(escapeXml(`a < b & "c" > 'd'`)).toBe('a &lt; b &amp; &quot;c&quot; &gt; &apos;d&apos;');
  });
});

describe('formatNumber', () => {
  it('keeps about three significant digits with separators', () => {
    expect(formatNumber(12345.6)).toBe('12,346');
    expect(formatNumber(123.4)).toBe('123');
    expect(formatNumber(12.34)).toBe('12.3');
    expect(formatNumber(1.234)).toBe('1.23');
    expect(formatNumber(0.0456)).toBe('0.046');
    expect(formatNumber(0)).toBe('0');
    expect(formatNumber(Number.NaN)).toBe('n/a');
  });
});

describe('renderBarChart', () => {
  const widths = (svg: string) =>
    [...svg.matchAll(/<rect x="\d+" y="\d+" width="([\d.]+)" height="15"/g)].map((m) => Number(m[1]));

  it('draws bars proportional to the largest value of their panel', () => {
    const svg = renderBarChart('T', 'S', [
      {
        title: 'P1',
        unit: ' ms',
        rows: [
          { label: 'a', value: 50 },
          { label: 'b', value: 100, series: 'baseline' },
        ],
      },
      { title: 'P2', unit: '/s', rows: [{ label: 'c', value: 10, series: 'raw' }] },
    ]);
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    expect(svg.trimEnd().endsWith('</svg>')).toBe(true);
    const [a, b, c] = widths(svg);
    expect(b).toBeGreaterThan(0);
    expect(a).toBeCloseTo((b as number) / 2, 1);
    expect(c).toBe(b); // its own panel's scale
    expect(svg).toContain('>50.0 ms<');
    expect(svg).toContain('>10.0/s<');
    expect(svg).toContain('fill="#a0aec0"'); // baseline colour
  });

  it('shows n/a and no bar for a missing value, and escapes labels', () => {
    const svg = renderBarChart('A & B', 'x', [
      {
        title: 'P <1>',
        unit: ' ms',
        rows: [
          { label: 'x < y', value: Number.NaN },
          { label: 'z', value: 0 },
        ],
      },
    ]);
    expect(widths(svg)).toEqual([0, 0]);
    expect(svg).toContain('>n/a<');
    expect(svg).toContain('x &lt; y');
    expect(svg).toContain('P &lt;1&gt;');
    expect(svg).toContain('aria-label="A &amp; B"');
  });

  it('draws an inner bar and a custom text', () => {
    const svg = renderBarChart('T', 'S', [
      {
        title: 'P',
        unit: ' ms',
        rows: [{ label: 'r', value: 40, inner: 10, series: 'slow', text: 'p99 40, median 10' }],
      },
    ]);
    const inner = /<rect x="\d+" y="\d+" width="([\d.]+)" height="7" fill="#7b341e"\/>/.exec(svg);
    expect(Number(inner?.[1])).toBeCloseTo((widths(svg)[0] as number) / 4, 1);
    expect(svg).toContain('>p99 40, median 10<');
  });
});
