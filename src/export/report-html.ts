// The HTML report: one self-contained page an editor can scan, with a row per shot and its keyframe.
import { formatRational, toNumber } from '../core/rational.js';
import { framesToTimecode, timecodeToFrames, type TimecodeFormat } from '../core/timecode.js';
import type { AnalysisResult, Shot } from '../core/types.js';

import { escapeXml } from './markup.js';

/** Escapes text for HTML element content and double- or single-quoted attributes (the XML rules serve both). */
export const escapeHtml: (text: string) => string = escapeXml;

const STYLE = `
body{font:14px/1.4 system-ui,sans-serif;margin:1.5rem;color:#1d1d1f;background:#fafafa}
h1{font-size:1.3rem;margin:0 0 .5rem}
dl.facts{display:grid;grid-template-columns:max-content 1fr;gap:.15rem 1rem;margin:0 0 1rem}
dl.facts dt{color:#666}
dl.facts dd{margin:0}
table{border-collapse:collapse;width:100%;background:#fff}
th,td{border-bottom:1px solid #ddd;padding:.3rem .5rem;text-align:left;vertical-align:middle}
th{background:#eee;position:sticky;top:0}
td.tc{font-family:ui-monospace,monospace;white-space:nowrap}
td.num{text-align:right}
img{height:72px;display:block;background:#ccc}
.counts span{display:inline-block;margin-right:1rem}
`.trim();

function durationLabel(seconds: number): string {
  const whole = Math.floor(seconds);
  const m = Math.floor(whole / 60);
  const s = seconds - m * 60;
  return m > 0 ? `${m} min ${s.toFixed(2)} s` : `${s.toFixed(2)} s`;
}

function shotRow(shot: Shot, tc: (frame: number) => string, fpsValue: number): string {
  const frames = shot.endFrame - shot.startFrame;
  const cells = [
    `<td class="num">${shot.index + 1}</td>`,
    `<td class="tc">${escapeHtml(tc(shot.startFrame))}</td>`,
    `<td class="tc">${escapeHtml(tc(shot.endFrame))}</td>`,
    `<td class="num">${frames} f (${(frames / fpsValue).toFixed(2)} s)</td>`,
    `<td>${escapeHtml(shot.transition.type)}</td>`,
    `<td><img src="${escapeHtml(shot.keyframe.image)}" alt="${escapeHtml(`keyframe ${shot.keyframe.frame}`)}" loading="lazy"></td>`,
  ];
  return `<tr>${cells.join('')}</tr>`;
}

/**
 * Renders the report page for an analysis: source facts, transition counts by type, and one
 * table row per shot (number, source timecode in/out, duration, how it begins, keyframe image
 * by its relative path). Self-contained (inline CSS, no scripts, no external assets); every
 * piece of text from the analysis is escaped. Pure.
 */
export function renderReportHtml(analysis: AnalysisResult): string {
  const { source } = analysis;
  const format: TimecodeFormat = { fps: source.fps, dropFrame: source.dropFrame };
  let offset = 0;
  try {
    offset = timecodeToFrames(source.startTimecode, format);
  } catch {
    offset = 0; // a report still shows frame-relative timecode for an unreadable start timecode
  }
  // Out points are exclusive: the out timecode is the first frame after the shot, as in an EDL.
  const tc = (frame: number): string => framesToTimecode(offset + frame, format);
  const fpsValue = toNumber(source.fps);

  const counts = new Map<string, number>();
  for (const t of analysis.transitions) counts.set(t.type, (counts.get(t.type) ?? 0) + 1);
  const countHtml = counts.size === 0
    ? '<span>none</span>'
    : [...counts].map(([type, n]) => `<span>${escapeHtml(type)}: ${n}</span>`).join('');

  const facts: [string, string][] = [
    ['File', source.name],
    ['Frame rate', `${formatRational(source.fps)} (${fpsValue.toFixed(3)} fps)${source.variableFrameRate ? ', variable' : ''}`],
    ['Drop-frame', source.dropFrame ? 'yes' : 'no'],
    ['Start timecode', source.startTimecode],
    ['Frames', String(source.frameCount)],
    ['Duration', durationLabel(source.durationSeconds)],
    ['Size', `${source.width} × ${source.height}`],
    ['Shots', String(analysis.shots.length)],
  ];

  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>${escapeHtml(source.name)} — roughcut report</title>
<style>${STYLE}</style>
</head>
<body>
<h1>${escapeHtml(source.name)}</h1>
<dl class="facts">
${facts.map(([k, v]) => `<dt>${escapeHtml(k)}</dt><dd>${escapeHtml(v)}</dd>`).join('\n')}
</dl>
<p class="counts">Transitions: ${countHtml}</p>
<table>
<thead><tr><th>#</th><th>In</th><th>Out</th><th>Duration</th><th>Transition</th><th>Keyframe</th></tr></thead>
<tbody>
${analysis.shots.map((shot) => shotRow(shot, tc, fpsValue)).join('\n')}
</tbody>
</table>
</body>
</html>
`;
}
