// @ts-check
// A dependency-free SVG chart: panels of labelled horizontal bars, each panel on its own linear
// scale, optionally with an inner bar (e.g. the median inside the p99).

/**
 * @typedef {object} BarRow
 * @property {string} label
 * @property {number} value NaN: drawn as "n/a"
 * @property {number} [inner] a second, darker bar from 0 (e.g. the median under a p99 bar)
 * @property {'baseline' | 'subject' | 'slow' | 'raw'} [series] colour (default `subject`)
 * @property {string} [text] the text after the bar (default: the value, formatted)
 */

/**
 * @typedef {object} BarPanel
 * @property {string} title
 * @property {string} unit appended to formatted values
 * @property {BarRow[]} rows
 */

const COLORS = { baseline: '#a0aec0', subject: '#2b6cb0', slow: '#dd6b20', raw: '#38a169' };
const INNER = { baseline: '#4a5568', subject: '#1a365d', slow: '#7b341e', raw: '#1c4532' };
const WIDTH = 900;
const LABEL_W = 300;
const BAR_W = 380;
const ROW_H = 22;
const BAR_H = 15;
const TITLE_H = 30;
const GAP = 18;

/**
 * Escapes text for SVG (XML) content and attributes.
 *
 * @example
 * ```js
 * escapeXml('a < b & "c"'); // 'a &lt; b &amp; &quot;c&quot;'
 * ```
 * @param {string} text
 */
export function escapeXml(text) {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;');
}

/**
 * A number with about three significant digits and thousands separators: 12,345 / 123 / 12.3 / 1.23.
 *
 * @example
 * ```js
 * formatNumber(12345.6); // '12,346'
 * formatNumber(0.0456); // '0.046'
 * ```
 * @param {number} value
 */
export function formatNumber(value) {
  if (!Number.isFinite(value)) return 'n/a';
  const abs = Math.abs(value);
  const digits = abs >= 100 || abs === 0 ? 0 : abs >= 10 ? 1 : abs >= 1 ? 2 : 3;
  return value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

/**
 * Renders the panels as one SVG document.
 *
 * @example
 * ```js
 * const svg = renderBarChart('Benchmarks', 'node v20, 2 CPUs', [
 *   { title: 'Cold start', unit: ' ms', rows: [{ label: 'bare node', value: 40, series: 'baseline' }, { label: 'extension', value: 90 }] },
 * ]);
 * ```
 * @param {string} title
 * @param {string} subtitle
 * @param {readonly BarPanel[]} panels
 * @returns {string}
 */
export function renderBarChart(title, subtitle, panels) {
  /** @type {string[]} */
  const parts = [];
  let y = 56;
  for (const panel of panels) {
    parts.push(
      `<text x="16" y="${y + 18}" class="panel">${escapeXml(panel.title)}</text>`,
      `<line x1="${LABEL_W}" y1="${y + TITLE_H - 6}" x2="${LABEL_W}" y2="${y + TITLE_H + panel.rows.length * ROW_H}" class="axis"/>`,
    );
    const finite = panel.rows.flatMap((r) => [r.value, r.inner ?? 0]).filter((v) => Number.isFinite(v));
    const max = Math.max(0, ...finite);
    const scale = (/** @type {number} */ v) =>
      max > 0 && Number.isFinite(v) ? (Math.max(0, v) / max) * BAR_W : 0;
    panel.rows.forEach((row, i) => {
      const top = y + TITLE_H + i * ROW_H;
      const series = row.series ?? 'subject';
      const width = scale(row.value);
      const text = row.text ?? `${formatNumber(row.value)}${Number.isFinite(row.value) ? panel.unit : ''}`;
      parts.push(
        `<text x="${LABEL_W - 8}" y="${top + BAR_H - 3}" class="label">${escapeXml(row.label)}</text>`,
        `<rect x="${LABEL_W}" y="${top}" width="${width.toFixed(1)}" height="${BAR_H}" fill="${COLORS[series]}"/>`,
      );
      if (row.inner !== undefined && Number.isFinite(row.inner)) {
        parts.push(
          `<rect x="${LABEL_W}" y="${top + 4}" width="${scale(row.inner).toFixed(1)}" height="${BAR_H - 8}" fill="${INNER[series]}"/>`,
        );
      }
      parts.push(
        `<text x="${LABEL_W + width + 6}" y="${top + BAR_H - 3}" class="value">${escapeXml(text)}</text>`,
      );
    });
    y += TITLE_H + panel.rows.length * ROW_H + GAP;
  }
  const height = y + 8;
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}" role="img" aria-label="${escapeXml(title)}">`,
    '<style>text{font-family:-apple-system,"Segoe UI",Helvetica,Arial,sans-serif;fill:#1a202c}.title{font-size:18px;font-weight:600}.sub{font-size:12px;fill:#4a5568}.panel{font-size:14px;font-weight:600}.label{font-size:12px;text-anchor:end}.value{font-size:12px}.axis{stroke:#718096;stroke-width:1}</style>',
    `<rect width="${WIDTH}" height="${height}" fill="#ffffff"/>`,
    `<text x="16" y="26" class="title">${escapeXml(title)}</text>`,
    `<text x="16" y="44" class="sub">${escapeXml(subtitle)}</text>`,
    ...parts,
    '</svg>',
    '',
  ].join('\n');
}
