// The HTML report: self-contained, a row per shot, every piece of text escaped.
import { describe, expect, it } from 'vitest';
import { escapeHtml, renderReportHtml } from '../src/export/report-html.js';
import { makeAnalysis } from './edl-fixtures.js';

describe('renderReportHtml', () => {
  const analysis = makeAnalysis({
    name: 'News <&"> \'late\'.mp4', fps: [30000, 1001], dropFrame: true, frameCount: 4000, startTimecode: '00:59:59;28',
    boundaries: [100, { type: 'dissolve', startFrame: 1790, endFrame: 1811 }, 3000],
  });
  const html = renderReportHtml(analysis);

  it('is a complete page with no external assets', () => {
    expect(html.startsWith('<!DOCTYPE html>\n<html lang="en">')).toBe(true);
    expect(html.trimEnd().endsWith('</html>')).toBe(true);
    expect(html).toContain('<style>');
    expect(html).not.toMatch(/<link|<script|https?:\/\//);
    for (const tag of ['html', 'head', 'body', 'table', 'thead', 'tbody', 'dl', 'style', 'title']) {
      expect(html.split(`<${tag}`).length).toBe(html.split(`</${tag}>`).length);
    }
    expect(html.split('<tr>').length).toBe(html.split('</tr>').length);
  });

  it('has a row per shot with timecode, duration, transition and keyframe', () => {
    const rows = html.split('<tbody>')[1]!.split('</tbody>')[0]!.trim().split('\n');
    expect(rows).toHaveLength(analysis.shots.length);
    rows.forEach((row, i) => {
      const shot = analysis.shots[i]!;
      expect(row).toContain(`<img src="${shot.keyframe.image}"`);
      expect(row).toContain(`>${shot.transition.type}<`);
      expect(row).toContain(`${shot.endFrame - shot.startFrame} f`);
    });
    expect(rows[0]).toContain('<td class="tc">00:59:59;28</td><td class="tc">01:00:03;08</td>');
    expect(html).toContain('<span>cut: 2</span><span>dissolve: 1</span>');
    expect(html).toContain('<dt>Drop-frame</dt><dd>yes</dd>');
    expect(html).toContain('30000/1001 (29.970 fps)');
    expect(html).toContain('1920 × 1080');
  });

  it('escapes every piece of text', () => {
    expect(escapeHtml(`<&"'>`)).toBe('&lt;&amp;&quot;&#39;&gt;');
    expect(html).toContain('<h1>News &lt;&amp;&quot;&gt; &#39;late&#39;.mp4</h1>');
    expect(html).not.toContain('<&"');
    const hostile = makeAnalysis({ name: 'x.mp4', fps: [25, 1], dropFrame: false, frameCount: 10, boundaries: [] });
    const page = renderReportHtml({ ...hostile, shots: [{ ...hostile.shots[0]!, keyframe: { frame: 1, image: 'a"><script>.jpg' } }] });
    expect(page).toContain('src="a&quot;&gt;&lt;script&gt;.jpg"');
    expect(page).not.toContain('<script');
  });
});
