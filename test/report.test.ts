// The HTML report: self-contained, header facts, timeline lanes (empty and with data), transitions, a row per shot, all text escaped.
import { describe, expect, it } from 'vitest';
import type { AnalysisResult } from '../src/core/types.js';
import { escapeHtml, rateLabel, renderReportHtml } from '../src/export/report-html.js';
import { makeAnalysis } from './edl-fixtures.js';

/** The same analysis with classifier output: label segments and characters on some shots. */
function withClassifier(analysis: AnalysisResult): AnalysisResult {
  const end = analysis.source.frameCount;
  return {
    ...analysis,
    segments: [
      { startFrame: 0, endFrame: 1800, label: 'anchor', confidence: 0.9 },
      { startFrame: 1800, endFrame: end, label: 'report <b>', confidence: 0.7 },
    ],
    shots: analysis.shots.map((s, i) => ({
      ...s,
      characters: i === 0 ? [{ name: 'Alice', confidence: 0.9, seconds: 3 }, { name: 'Bob "B" <x>', confidence: 0.5, seconds: 1 }]
        : i === 2 ? [{ name: 'Alice', confidence: 0.8, seconds: 2 }] : [],
    })),
  };
}

const between = (html: string, start: string, end: string): string => html.split(start)[1]!.split(end)[0]!;

describe('renderReportHtml', () => {
  const base = makeAnalysis({
    name: 'News <&"> \'late\'.mp4', fps: [30000, 1001], dropFrame: true, frameCount: 4000, startTimecode: '00:59:59;28',
    boundaries: [100, { type: 'dissolve', startFrame: 1790, endFrame: 1811 }, 3000],
  });
  // One cut the detector was unsure of.
  const analysis: AnalysisResult = {
    ...base,
    transitions: base.transitions.map((t) => (t.type === 'cut' && t.frame === 3000 ? { ...t, confidence: 0.45 } : t)),
  };
  const html = renderReportHtml(analysis);

  it('is a complete page with inline style and script and no external assets', () => {
    expect(html.startsWith('<!DOCTYPE html>\n<html lang="en">')).toBe(true);
    expect(html.trimEnd().endsWith('</html>')).toBe(true);
    expect(html).toContain('<style>');
    expect(html).not.toMatch(/<link|<script[^>]*\ssrc=|https?:\/\/|@import|url\(/);
    for (const tag of ['html', 'head', 'body', 'table', 'thead', 'tbody', 'style', 'title', 'header', 'main', 'aside', 'script']) {
      expect(html.split(new RegExp(`<${tag}[\\s>]`)).length).toBe(html.split(`</${tag}>`).length);
    }
    expect(html.split('<tr').length).toBe(html.split('</tr>').length);
    // The embedded data parses and has one entry per shot.
    const data = JSON.parse(between(html, '<script type="application/json" id="report-data">', '</script>')) as { shots: unknown[] };
    expect(data.shots).toHaveLength(analysis.shots.length);
  });

  it('shows the source facts and transition counts in the header', () => {
    const header = between(html, '<header>', '</header>');
    expect(header).toContain('<li><b>Rate</b>29.97 DF</li>');
    expect(header).toContain('<li><b>Frames</b>4000</li>');
    expect(header).toContain('<li><b>Duration</b>00:02:13;14</li>'); // 4000 frames at 29.97 DF
    expect(header).toContain('<li><b>Size</b>1920 × 1080</li>');
    expect(header).toContain('<li><b>Start</b>00:59:59;28</li>');
    expect(header).toMatch(/cut: 2<\/li>/);
    expect(header).toMatch(/dissolve: 1<\/li>/);
    expect(header).toContain('1 below 0.6 confidence');
    expect(rateLabel({ fps: { num: 25, den: 1 }, dropFrame: false, variableFrameRate: false })).toBe('25 fps');
    expect(rateLabel({ fps: { num: 24000, den: 1001 }, dropFrame: false, variableFrameRate: false })).toBe('23.976 fps');
    expect(rateLabel({ fps: { num: 30000, den: 1001 }, dropFrame: false, variableFrameRate: false })).toBe('29.97 NDF');
  });

  it('places a lazy keyframe thumbnail per shot by its frames', () => {
    const shots = [...html.matchAll(/<button type="button" class="shot" data-i="(\d+)"[^>]*style="left:([\d.]+)%;width:([\d.]+)%"[^>]*>(.*?)<\/button>/g)];
    expect(shots).toHaveLength(analysis.shots.length);
    shots.forEach((m, i) => {
      const shot = analysis.shots[i]!;
      expect(Number(m[1])).toBe(i);
      expect(Number(m[2])).toBeCloseTo((shot.startFrame / 4000) * 100, 3);
      expect(Number(m[3])).toBeCloseTo(((shot.endFrame - shot.startFrame) / 4000) * 100, 3);
      expect(m[4]).toContain(`<img src="${shot.keyframe.image}" alt="" loading="lazy"`);
    });
  });

  it('draws cuts as lines and gradual transitions as spans with their length, flagging low confidence', () => {
    const lane = between(html, '<div class="lane h-trans">', '</div>\n');
    expect(lane.match(/class="tr cut/g)).toHaveLength(2);
    expect(lane).toContain('class="tr cut" style="left:2.5000%');
    expect(lane).toContain('class="tr cut low" style="left:75.0000%');
    expect(lane).toMatch(/class="tr gradual" style="left:44\.7500%;width:0\.5500%[^"]*"[^>]*><span>dissolve 22f<\/span>/);
    expect(html.match(/class="guide"/g)).toHaveLength(1);
    const low = analysis.transitions.filter((t) => t.confidence < 0.6);
    expect(low).toHaveLength(1);
    expect(renderReportHtml(analysis, { lowConfidence: 0.3 })).not.toContain('class="tr cut low"');
  });

  it('renders the label and character lanes empty until the classifier has run', () => {
    expect(html).toContain('No label segments (run with --model)');
    expect(html).toContain('No characters (run with --characters)');
    expect(html).not.toContain('<b>Characters:</b>');
  });

  it('draws technical cues and shot scale in their own lanes, not among the scene labels', () => {
    const page = renderReportHtml({ ...analysis, segments: [
      { startFrame: 0, endFrame: 50, label: 'anchor', confidence: 0.9, kind: 'scene' },
      { startFrame: 10, endFrame: 30, label: 'black', confidence: 1, kind: 'technical' },
      { startFrame: 0, endFrame: 50, label: 'close-up', confidence: 0.8, kind: 'scale' },
    ] });
    expect(page).toContain('<div class="h-lane">Technical</div>');
    expect(page).toContain('<div class="h-lane">Shot scale</div>');
    const lanes = page.split('<div class="lane h-lane lane-labels">').slice(1).map((l) => [...l.split('</div>\n')[0]!.matchAll(/>([^<>]+)<\/div>/g)].map((m) => m[1]));
    expect(lanes).toEqual([['anchor'], ['black'], ['close-up']]);
  });

  it('renders label segments and one lane per character, in distinct colours, with a legend', () => {
    const page = renderReportHtml(withClassifier(analysis));
    expect(page).not.toContain('No label segments');
    expect(page).not.toContain('No characters (');
    const labels = between(page, '<div class="lane h-lane lane-labels">', '</div>\n');
    const spans = [...labels.matchAll(/style="left:([\d.]+)%;width:([\d.]+)%;background:(#[0-9a-f]{6})"[^>]*>([^<]*)</g)];
    expect(spans.map((m) => m[4])).toEqual(['anchor', 'report &lt;b&gt;']);
    expect(spans[0]![2]).toBe('45.0000');
    expect(spans[0]![3]).not.toBe(spans[1]![3]);
    const characterLanes = page.split('<div class="lane h-lane lane-characters">').slice(1);
    expect(characterLanes).toHaveLength(2); // Alice (5 s) first, then Bob (1 s)
    expect(characterLanes[0]!.split('</div>\n')[0]!.match(/class="span"/g)).toHaveLength(2);
    expect(page).toContain('<b>Labels:</b>');
    expect(page).toContain('<b>Characters:</b>');
    expect(page).toContain('Bob &quot;B&quot; &lt;x&gt;');
    const legendColours = [...between(page, '<p class="legend">', '</p>').matchAll(/background:(#[0-9a-f]{6})/g)].map((m) => m[1]);
    expect(new Set(legendColours).size).toBe(legendColours.length);
  });

  it('has a keyboard-reachable table row per shot with source timecode, duration and transition', () => {
    const rows = between(html, '<tbody>', '</tbody>').trim().split('\n');
    expect(rows).toHaveLength(analysis.shots.length);
    rows.forEach((row, i) => {
      const shot = analysis.shots[i]!;
      expect(row).toContain(`<button type="button" class="pick" aria-label="Show shot ${i + 1}">`);
      expect(row).toContain(`<img src="${shot.keyframe.image}"`);
      expect(row).toContain('loading="lazy"');
      expect(row).toContain(`${shot.endFrame - shot.startFrame} f`);
    });
    expect(rows[0]).toContain('<td class="tc">00:59:59;28</td><td class="tc">01:00:03;08</td>');
    expect(rows[0]).toContain('start of file');
    expect(rows[2]).toContain('dissolve 22 frames');
    expect(rows[3]).toContain('class="warn"');
    expect(rows[3]).toContain('confidence 0.45');
    expect(rows[0]).toContain('>anchor 0.91</span>');
  });

  it('escapes every piece of text, in markup and in the embedded data', () => {
    expect(escapeHtml(`<&"'>`)).toBe('&lt;&amp;&quot;&#39;&gt;');
    expect(html).toContain('<h1>News &lt;&amp;&quot;&gt; &#39;late&#39;.mp4</h1>');
    expect(html).not.toContain('<&"');
    const hostile = makeAnalysis({ name: 'x.mp4', fps: [25, 1], dropFrame: false, frameCount: 10, boundaries: [] });
    const page = renderReportHtml({
      ...hostile,
      shots: [{ ...hostile.shots[0]!, keyframe: { frame: 1, image: 'a"></script><script>alert(1)</script>.jpg' }, labels: { '</script><b>': 1 } }],
    });
    expect(page).toContain('src="a&quot;&gt;&lt;/script&gt;&lt;script&gt;alert(1)&lt;/script&gt;.jpg"');
    expect(page.match(/<script/g)).toHaveLength(2);
    expect(page.match(/<\/script>/g)).toHaveLength(2);
    expect(page).not.toContain('<b>Labels:</b><span><i class="sw" style="background:#4e79a7"></i></script>');
  });

  it('renders a long file with 1,000 shots quickly', () => {
    const boundaries = Array.from({ length: 999 }, (_, i) => (i + 1) * 90);
    const big = makeAnalysis({ name: 'long.mxf', fps: [25, 1], dropFrame: false, frameCount: 90_000, boundaries });
    const t0 = performance.now();
    const page = renderReportHtml(big);
    expect(performance.now() - t0).toBeLessThan(1000);
    expect(page.match(/class="shot"/g)).toHaveLength(1000);
    expect(page.match(/loading="lazy"/g)).toHaveLength(2000);
    expect(page.length).toBeLessThan(2_500_000);
  });
});
