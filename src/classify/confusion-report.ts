// Confusion reports of an evaluation: a terminal table, a self-contained HTML heat map, and JSON.
import { escapeXml } from '../export/markup.js';
import type { ConfusionMetrics } from './metrics.js';

/** Three decimals, the precision every report shows scores at. */
function fixed(value: number): string {
  return value.toFixed(3);
}

/** Class names come from folder names and CSV files: keep control characters out of a terminal. */
function printable(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/[\x00-\x1f\x7f-\x9f]/g, '?');
}

/** Lays out rows as columns: the first left-aligned, the rest right-aligned, two spaces apart. */
function columns(rows: readonly (readonly string[])[]): string[] {
  const widths: number[] = [];
  for (const row of rows) row.forEach((cell, c) => (widths[c] = Math.max(widths[c] ?? 0, cell.length)));
  return rows.map((row) => row.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!))).join('  ').trimEnd());
}

/** Correct predictions: the diagonal of the matrix. */
function correctCount(m: ConfusionMetrics): number {
  return m.perClass.reduce((sum, _, k) => sum + (m.matrix[k]?.[k] ?? 0), 0);
}

/**
 * The evaluation as plain text for a terminal: an accuracy line, precision/recall/F1/support per
 * class, then the confusion matrix with true classes as rows and predictions as columns. No
 * colours; ends with a newline.
 */
export function renderConfusionTable(m: ConfusionMetrics): string {
  const out = [`accuracy ${fixed(m.accuracy)} (${correctCount(m)} of ${m.total})   macro F1 ${fixed(m.macroF1)}`, ''];
  out.push(...columns([
    ['class', 'precision', 'recall', 'f1', 'support'],
    ...m.perClass.map((c) => [printable(c.label), fixed(c.precision), fixed(c.recall), fixed(c.f1), String(c.support)]),
  ]));
  out.push('', 'confusion (rows: truth, columns: predicted)');
  out.push(...columns([
    ['truth \\ predicted', ...m.classes.map(printable)],
    ...m.perClass.map((c, k) => [printable(c.label), ...m.classes.map((_, j) => String(m.matrix[k]?.[j] ?? 0))]),
  ]));
  return `${out.join('\n')}\n`;
}

/** Options for {@link renderConfusionHtml}. */
export interface ConfusionHtmlOptions {
  /** Page title and heading. Default "Classifier evaluation". */
  readonly title?: string;
  /** Lines shown under the heading as name: value (model, backend, data set...). */
  readonly notes?: Readonly<Record<string, string>>;
}

const STYLE = `
body{font:14px/1.4 system-ui,sans-serif;background:#fff;color:#1b1e22;margin:24px}
h1{font-size:20px;margin:0 0 8px}h2{font-size:16px;margin:24px 0 8px}
dl{display:grid;grid-template-columns:max-content 1fr;gap:2px 12px;margin:0 0 12px}dt{color:#5f6670}dd{margin:0}
.summary{font-size:16px}
table{border-collapse:collapse}th,td{padding:4px 10px;border:1px solid #d5d9de}
th{background:#f3f5f7;font-weight:600;text-align:left}td{text-align:right;font-variant-numeric:tabular-nums}
table.heat td{min-width:48px;text-align:center}table.heat td.diag{outline:2px solid #1b1e22;outline-offset:-2px}
th.corner{font-weight:400;color:#5f6670}
`;

/**
 * The evaluation as one self-contained HTML page: the accuracy, the confusion matrix as a heat
 * map (each cell shaded by its share of the true class's row, so small classes read as clearly
 * as large ones, and holding its count), then the per-class table. All text is escaped.
 */
export function renderConfusionHtml(m: ConfusionMetrics, options: ConfusionHtmlOptions = {}): string {
  const title = escapeXml(options.title ?? 'Classifier evaluation');
  const notes = Object.entries(options.notes ?? {});
  const head = `<tr><th class="corner" scope="col">truth \\ predicted</th>${m.classes.map((c) => `<th scope="col">${escapeXml(c)}</th>`).join('')}</tr>`;
  const rows = m.perClass.map((c, k) => {
    const row = m.matrix[k] ?? [];
    const rowTotal = row.reduce((a, b) => a + b, 0);
    const cells = m.classes.map((label, j) => {
      const count = row[j] ?? 0;
      const share = rowTotal > 0 ? count / rowTotal : 0;
      const colour = share > 0.55 ? '#fff' : '#1b1e22';
      const tip = `${c.label} predicted as ${label}: ${count} of ${rowTotal} (${(share * 100).toFixed(1)}%)`;
      return `<td${j === k ? ' class="diag"' : ''} style="background:rgba(33,102,172,${share.toFixed(3)});color:${colour}" title="${escapeXml(tip)}">${count}</td>`;
    }).join('');
    return `<tr><th scope="row">${escapeXml(c.label)}</th>${cells}</tr>`;
  });
  const perClass = m.perClass.map((c) => `<tr><th scope="row">${escapeXml(c.label)}</th><td>${fixed(c.precision)}</td><td>${fixed(c.recall)}</td><td>${fixed(c.f1)}</td><td>${c.support}</td></tr>`);
  return [
    '<!DOCTYPE html>',
    '<html lang="en">',
    `<head><meta charset="utf-8"><title>${title}</title><style>${STYLE}</style></head>`,
    '<body>',
    `<h1>${title}</h1>`,
    notes.length > 0 ? `<dl>${notes.map(([k, v]) => `<dt>${escapeXml(k)}</dt><dd>${escapeXml(v)}</dd>`).join('')}</dl>` : '',
    `<p class="summary">accuracy <strong>${fixed(m.accuracy)}</strong> (${correctCount(m)} of ${m.total}) · macro F1 <strong>${fixed(m.macroF1)}</strong></p>`,
    '<h2>Confusion matrix</h2>',
    '<p>Rows are the true classes, columns the predictions; a cell\'s shade is its share of the row.</p>',
    `<table class="heat">${head}${rows.join('')}</table>`,
    '<h2>Per class</h2>',
    `<table><tr><th scope="col">class</th><th scope="col">precision</th><th scope="col">recall</th><th scope="col">F1</th><th scope="col">support</th></tr>${perClass.join('')}</table>`,
    '</body>',
    '</html>',
  ].filter((line) => line !== '').join('\n') + '\n';
}

/** Rounds to 4 decimals for files people diff. */
function round4(value: number): number {
  return Math.round(value * 10000) / 10000;
}

/**
 * The evaluation as JSON (schema `roughcut.confusion`, version 1): the metrics with scores to 4
 * decimals, pretty-printed, ending with a newline.
 */
export function metricsJson(m: ConfusionMetrics): string {
  const body = {
    schema: 'roughcut.confusion',
    version: 1,
    total: m.total,
    accuracy: round4(m.accuracy),
    macroF1: round4(m.macroF1),
    classes: m.classes,
    perClass: m.perClass.map((c) => ({ label: c.label, precision: round4(c.precision), recall: round4(c.recall), f1: round4(c.f1), support: c.support })),
    matrix: m.matrix,
  };
  return `${JSON.stringify(body, null, 2)}\n`;
}
