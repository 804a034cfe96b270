// Classification metrics on a hand-computed example, and the confusion reports built from them (table, HTML, JSON).
import { existsSync } from 'node:fs';
import { chromium } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { metricsJson, renderConfusionHtml, renderConfusionTable } from '../src/classify/confusion-report.js';
import { confusionMetrics } from '../src/classify/metrics.js';
import { RoughcutError } from '../src/core/errors.js';

const CHROMIUM = process.env.ROUGHCUT_CHROMIUM ?? '/usr/bin/chromium';
const HAVE_CHROMIUM = existsSync(CHROMIUM);
const SKIP_REASON = HAVE_CHROMIUM ? '' : ` (skipped: no Chromium at ${CHROMIUM}; apt-get install -y chromium, or set ROUGHCUT_CHROMIUM)`;

/** A class name that breaks any report that forgets to escape. */
const NASTY = '<b>&"';
const CLASSES = ['anchor', 'weather', NASTY];

/*
 * truth      a a a a  w w w  x x x
 * predicted  a a a w  w w ?  x a x      (? = unknown, index 3)
 *
 *            a  w  x  ?
 *   anchor   3  1  0  0     precision 3/4  recall 3/4  F1 0.75
 *   weather  0  2  0  1     precision 2/3  recall 2/3  F1 2/3
 *   <b>&"    1  0  2  0     precision 2/2  recall 2/3  F1 0.8
 */
const TRUTH = [0, 0, 0, 0, 1, 1, 1, 2, 2, 2];
const PREDICTED = [0, 0, 0, 1, 1, 1, 3, 2, 0, 2];

describe('confusionMetrics', () => {
  it('matches the hand-computed example, with an unknown column', () => {
    const m = confusionMetrics(TRUTH, PREDICTED, CLASSES);
    expect(m.classes).toEqual(['anchor', 'weather', NASTY, 'unknown']);
    expect(m.matrix).toEqual([[3, 1, 0, 0], [0, 2, 0, 1], [1, 0, 2, 0]]);
    expect(m.total).toBe(10);
    expect(m.accuracy).toBeCloseTo(0.7, 12);
    const [a, w, x] = m.perClass;
    expect(a).toEqual({ label: 'anchor', precision: 0.75, recall: 0.75, f1: 0.75, support: 4 });
    expect(w!.precision).toBeCloseTo(2 / 3, 12);
    expect(w!.recall).toBeCloseTo(2 / 3, 12);
    expect(w!.f1).toBeCloseTo(2 / 3, 12);
    expect(w!.support).toBe(3);
    expect(x!.precision).toBe(1);
    expect(x!.recall).toBeCloseTo(2 / 3, 12);
    expect(x!.f1).toBeCloseTo(0.8, 12);
    expect(m.macroF1).toBeCloseTo((0.75 + 2 / 3 + 0.8) / 3, 12);
  });

  it('has no unknown column when nothing was unknown, and leaves classes that never occur out of macro F1', () => {
    const m = confusionMetrics([0, 0, 1, 1], [0, 1, 1, 1], ['a', 'b', 'never']);
    expect(m.classes).toEqual(['a', 'b', 'never']);
    expect(m.matrix).toEqual([[1, 1, 0], [0, 2, 0], [0, 0, 0]]);
    expect(m.perClass[2]).toEqual({ label: 'never', precision: 0, recall: 0, f1: 0, support: 0 });
    // a: P 1, R 0.5, F1 2/3; b: P 2/3, R 1, F1 0.8.
    expect(m.macroF1).toBeCloseTo((2 / 3 + 0.8) / 2, 12);
    expect(m.accuracy).toBe(0.75);
  });

  it('gives zeros, not NaN, for an empty set', () => {
    const m = confusionMetrics([], [], ['a']);
    expect(m).toEqual({ classes: ['a'], accuracy: 0, macroF1: 0, perClass: [{ label: 'a', precision: 0, recall: 0, f1: 0, support: 0 }], matrix: [[0]], total: 0 });
  });

  it('refuses lists of different lengths and indexes out of range', () => {
    for (const [truth, predicted] of [[[0], [0, 1]], [[3], [0]], [[0], [4]], [[0.5], [0]]] as const) {
      let error: unknown;
      try {
        confusionMetrics(truth, predicted, CLASSES);
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(RoughcutError);
      expect((error as RoughcutError).code).toBe('BAD_ARGUMENT');
    }
  });
});

describe('renderConfusionTable', () => {
  it('prints the accuracy, the per-class numbers and an aligned matrix', () => {
    const text = renderConfusionTable(confusionMetrics(TRUTH, PREDICTED, CLASSES));
    expect(text).toContain('accuracy 0.700 (7 of 10)');
    expect(text).toContain('macro F1 0.739');
    const lines = text.split('\n');
    expect(lines.find((l) => l.startsWith('anchor ') && l.includes('0.750'))).toMatch(/^anchor\s+0\.750\s+0\.750\s+0\.750\s+4$/);
    expect(lines.find((l) => l.startsWith(NASTY) && l.includes('1.000'))).toMatch(/^<b>&"\s+1\.000\s+0\.667\s+0\.800\s+3$/);
    const matrixStart = lines.findIndex((l) => l.startsWith('truth \\ predicted'));
    const matrix = lines.slice(matrixStart, matrixStart + 4);
    expect(matrix[0]!.split(/\s{2,}/)).toEqual(['truth \\ predicted', 'anchor', 'weather', NASTY, 'unknown']);
    expect(matrix[2]!.split(/\s+/)).toEqual(['weather', '0', '2', '0', '1']);
    // Right-aligned columns end together.
    expect(new Set(matrix.map((l) => l.length)).size).toBe(1);
    expect(text).not.toContain('\x1b');
  });

  it('keeps control characters in a class name off the terminal', () => {
    const text = renderConfusionTable(confusionMetrics([0], [0], ['evil\x1b[31m']));
    expect(text).not.toContain('\x1b');
  });
});

describe('renderConfusionHtml', () => {
  const m = confusionMetrics(TRUTH, PREDICTED, CLASSES);
  const html = renderConfusionHtml(m, { title: 'Eval <news> & "weather"', notes: { model: 'head <v2>', backend: 'wasm' } });

  it('escapes every piece of text and holds the numbers', () => {
    expect(html.startsWith('<!DOCTYPE html>')).toBe(true);
    expect(html).not.toContain(NASTY);
    expect(html).toContain('&lt;b&gt;&amp;&quot;');
    expect(html).toContain('<title>Eval &lt;news&gt; &amp; &quot;weather&quot;</title>');
    expect(html).toContain('head &lt;v2&gt;');
    expect(html).toContain('<strong>0.700</strong>');
    expect(html).toContain('<td>0.667</td><td>0.667</td><td>0.667</td><td>3</td>');
    // Row-normalised shading: anchor's diagonal is 3 of 4.
    expect(html).toMatch(/<td class="diag" style="background:rgba\(33,102,172,0\.750\);[^"]*" title="[^"]*">3<\/td>/);
  });

  it.skipIf(!HAVE_CHROMIUM)(`reads back in a browser as the same labels and counts${SKIP_REASON}`, async () => {
    const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-gpu'] });
    try {
      const page = await browser.newPage();
      await page.setContent(html);
      const heat = await page.$$eval('table.heat tr', (rows) => rows.map((r) => [...r.children].map((c) => c.textContent ?? '')));
      expect(heat).toEqual([
        ['truth \\ predicted', 'anchor', 'weather', NASTY, 'unknown'],
        ['anchor', '3', '1', '0', '0'],
        ['weather', '0', '2', '0', '1'],
        [NASTY, '1', '0', '2', '0'],
      ]);
      expect(await page.title()).toBe('Eval <news> & "weather"');
      expect(await page.$$('b')).toHaveLength(0);
      // weather predicted as unknown: 1 of 3.
      const shade = await page.$eval('table.heat tr:nth-child(3) td:nth-child(5)', (td) => getComputedStyle(td).backgroundColor);
      expect(shade).toBe('rgba(33, 102, 172, 0.333)');
    } finally {
      await browser.close();
    }
  });
});

describe('metricsJson', () => {
  it('writes the metrics with a schema name, rounded scores and the matrix', () => {
    const body = JSON.parse(metricsJson(confusionMetrics(TRUTH, PREDICTED, CLASSES))) as Record<string, unknown>;
    expect(body).toMatchObject({ schema: 'roughcut.confusion', version: 1, total: 10, accuracy: 0.7, macroF1: 0.7389 });
    expect(body.classes).toEqual([...CLASSES, 'unknown']);
    expect((body.perClass as { f1: number }[]).map((c) => c.f1)).toEqual([0.75, 0.6667, 0.8]);
    expect(body.matrix).toEqual([[3, 1, 0, 0], [0, 2, 0, 1], [1, 0, 2, 0]]);
  });
});
