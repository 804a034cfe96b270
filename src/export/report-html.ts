// The HTML report: one self-contained page with a zoomable thumbnail timeline, lanes, a shot detail panel and a shot table.
import { toNumber } from '../core/rational.js';
import { canDropFrame, framesToTimecode, timecodeBase, timecodeToFrames, type TimecodeFormat } from '../core/timecode.js';
import type { AnalysisResult, Segment, Shot, SourceInfo, Transition } from '../core/types.js';

const HTML_ESCAPES: Readonly<Record<string, string>> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Escapes text for HTML element content and double- or single-quoted attributes (also valid XML, for SVG). */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => HTML_ESCAPES[c] ?? c);
}

/** Boundaries whose confidence is below this are flagged for review (the exporters' default too). */
export const DEFAULT_LOW_CONFIDENCE = 0.6;

/** Options for {@link renderReportHtml}. */
export interface ReportOptions {
  /** Transitions with a confidence below this are flagged; default {@link DEFAULT_LOW_CONFIDENCE}. */
  readonly lowConfidence?: number;
}

/**
 * The source timecode of a 0-based frame index: the source's start timecode plus the frame,
 * drop-frame when the source is. An unreadable start timecode counts from `00:00:00:00`, so a
 * report still shows frame-relative timecode.
 */
export function sourceTimecoder(source: SourceInfo): (frame: number) => string {
  const format: TimecodeFormat = { fps: source.fps, dropFrame: source.dropFrame };
  const offset = startFrameOf(source);
  return (frame) => framesToTimecode(offset + frame, format);
}

/** The source's start timecode as a frame count, 0 when it cannot be read. */
function startFrameOf(source: SourceInfo): number {
  try {
    return timecodeToFrames(source.startTimecode, { fps: source.fps, dropFrame: source.dropFrame });
  } catch {
    return 0;
  }
}

/** `29.97 DF`, `23.976 fps`, `25 fps`: the rate as editors say it. */
export function rateLabel(source: Pick<SourceInfo, 'fps' | 'dropFrame' | 'variableFrameRate'>): string {
  const value = toNumber(source.fps);
  const text = Number.isInteger(value) ? String(value) : value.toFixed(3).replace(/0+$/, '');
  const suffix = canDropFrame(source.fps) ? (source.dropFrame ? ' DF' : ' NDF') : ' fps';
  return `${text}${suffix}${source.variableFrameRate ? ' (variable)' : ''}`;
}

/** The frame range a transition covers, both ends inclusive. */
function transitionSpan(t: Transition): [number, number] {
  return t.type === 'cut' ? [t.frame, t.frame] : [t.startFrame, t.endFrame];
}

/** Key of a transition event, to find the one a shot begins with (a cut's frame is that shot's first). */
function transitionKey(t: Transition): string {
  return t.type === 'cut' ? `cut@${t.frame}` : `${t.type}@${t.startFrame}-${t.endFrame}`;
}

function shotTransitionKey(shot: Shot): string | undefined {
  const t = shot.transition;
  if (t.type === 'start') return undefined;
  return t.type === 'cut' ? `cut@${shot.startFrame}` : `${t.type}@${t.startFrame}-${t.endFrame}`;
}

// Label lanes and character lanes take colours from separate palettes so the two never read alike.
const LABEL_COLOURS = ['#4e79a7', '#59a14f', '#b07aa1', '#76b7b2', '#edc948', '#9c755f', '#ff9da7', '#86bcb6', '#8cd17d', '#a0cbe8'];
const CHARACTER_COLOURS = ['#f28e2b', '#e15759', '#d37295', '#f1ce63', '#b6992d', '#fabfd2', '#d4a6c8', '#ffbe7d', '#e5a0a0', '#c9a0dc'];

/** Colours transition kinds are drawn in, on the timeline and in the header counts. */
const TRANSITION_COLOURS: Readonly<Record<string, string>> = {
  cut: '#e8e8e8', dissolve: '#5da5ff', 'fade-in': '#9a9a9a', 'fade-out': '#9a9a9a', 'fade-through': '#9a9a9a', wipe: '#c58cff',
};

/** Tick spacings the ruler may use, in timecode seconds. */
const TICK_SECONDS = [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200];
const MAX_TICKS_PER_LEVEL = 1500;

const STYLE = `
:root{--bg:#15171a;--panel:#1f2226;--line:#33383e;--text:#e6e6e6;--muted:#9aa0a6;--accent:#ffb000;--low:#ff6b3d;--sel:#ffd54a}
*{box-sizing:border-box}
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;margin:0;color:var(--text);background:var(--bg)}
header{padding:14px 20px 10px;border-bottom:1px solid var(--line);background:var(--panel)}
h1{font-size:1.25rem;margin:0 0 2px;word-break:break-all}
h2{font-size:.8rem;text-transform:uppercase;letter-spacing:.08em;color:var(--muted);margin:0 0 8px}
.path{color:var(--muted);font-size:.8rem;margin:0 0 8px;word-break:break-all}
.facts,.counts{display:flex;flex-wrap:wrap;gap:6px 8px;margin:0;padding:0;list-style:none}
.counts{margin-top:8px}
.facts li,.counts li{background:#2a2e33;border:1px solid var(--line);border-radius:14px;padding:2px 10px;white-space:nowrap}
.facts b{color:var(--muted);font-weight:500;margin-right:6px}
.sw{display:inline-block;width:10px;height:10px;border-radius:2px;margin-right:6px;vertical-align:-1px}
.counts li.low{border-color:var(--low);color:var(--low)}
main{padding:14px 20px 40px}
section.timeline{background:var(--panel);border:1px solid var(--line);border-radius:8px;padding:10px 12px;margin-bottom:16px}
.toolbar{display:flex;flex-wrap:wrap;align-items:center;gap:6px 10px;margin-bottom:8px}
.toolbar button,.detail button{background:#2f343a;color:var(--text);border:1px solid #474d55;border-radius:5px;padding:3px 10px;font:inherit;cursor:pointer}
.toolbar button:hover,.detail button:hover{background:#3a4047}
.toolbar .zoom{font-variant-numeric:tabular-nums;color:var(--muted);min-width:5em}
.toolbar .hint{color:var(--muted);font-size:.8rem;margin-left:auto}
.legend{display:flex;flex-wrap:wrap;gap:4px 12px;font-size:.8rem;color:var(--muted);margin:6px 0 0}
.legend span{white-space:nowrap}
.tl-wrap{display:flex;border:1px solid var(--line);border-radius:6px;overflow:hidden;background:#111316}
.tl-names{flex:0 0 104px;border-right:1px solid var(--line);background:#1a1d21}
.tl-names div{display:flex;align-items:center;padding:0 8px;font-size:.75rem;color:var(--muted);overflow:hidden;white-space:nowrap;text-overflow:ellipsis;border-bottom:1px solid #24282d}
.tl-scroll{flex:1 1 auto;overflow-x:auto;overflow-y:hidden;position:relative}
.tl-inner{position:relative;width:100%;min-width:100%}
.lane{position:relative;border-bottom:1px solid #24282d;overflow:hidden}
.h-ruler{height:24px}.h-trans{height:22px}.h-shots{height:68px}.h-lane{height:22px}
.ticks{position:absolute;inset:0}
.ticks[hidden]{display:none}
.tick{position:absolute;top:0;bottom:0;border-left:1px solid #3a4047;padding-left:3px;font:11px/24px ui-monospace,monospace;color:var(--muted);white-space:nowrap}
.shot{position:absolute;top:2px;bottom:2px;padding:0;margin:0;border:0;border-left:1px solid #000;background:#2b3036;overflow:hidden;cursor:pointer;container-type:inline-size;color:#fff}
.shot:nth-child(even){background:#353b42}
.shot img{display:block;width:100%;height:100%;object-fit:cover;pointer-events:none}
.shot .n{position:absolute;left:2px;top:1px;font:600 10px/1 ui-monospace,monospace;background:rgba(0,0,0,.6);padding:1px 3px;border-radius:2px}
@container (max-width:22px){.shot img,.shot .n{display:none}}
.shot:hover{filter:brightness(1.25)}
.shot.sel{outline:2px solid var(--sel);outline-offset:-2px;z-index:2}
.shot:focus-visible{outline:2px solid #fff;outline-offset:-2px;z-index:3}
.sel-span{position:absolute;top:0;bottom:0;background:rgba(255,213,74,.12);border-left:1px solid var(--sel);border-right:1px solid var(--sel);pointer-events:none;z-index:4}
.sel-span[hidden]{display:none}
.tr{position:absolute;top:2px;bottom:2px;font-size:10px;line-height:18px;overflow:hidden;white-space:nowrap;color:#111}
.tr.cut{width:0;border-left:2px solid var(--c);margin-left:-1px}
.tr.gradual{min-width:2px;background:repeating-linear-gradient(135deg,var(--c) 0 4px,transparent 4px 7px);border:1px solid var(--c);border-radius:3px;padding:0 3px}
.tr.gradual span{background:var(--c);border-radius:2px;padding:0 3px}
.tr.low{--c:var(--low)!important}
.tr.cut.low{border-left-style:dashed}
.tr.low::after{content:"?";position:absolute;left:2px;top:0;font:700 11px/18px system-ui;color:var(--low)}
.tr.gradual.low::after{left:auto;right:2px;color:#fff}
.guide{position:absolute;top:0;bottom:0;width:0;border-left:1px dashed var(--low);pointer-events:none;z-index:1;opacity:.8}
.span{position:absolute;top:3px;bottom:3px;border-radius:3px;font-size:10px;line-height:16px;padding:0 4px;color:#111;overflow:hidden;white-space:nowrap;text-overflow:ellipsis}
.empty{position:absolute;left:8px;top:0;font-size:.75rem;line-height:22px;color:#6b7178;font-style:italic;white-space:nowrap}
.below{display:grid;grid-template-columns:minmax(0,1fr) 360px;gap:16px;align-items:start}
@media (max-width:980px){.below{grid-template-columns:1fr}}
.detail{position:sticky;top:10px;background:var(--panel);border:1px solid var(--line);border-radius:8px;padding:12px;order:2}
.detail img{width:100%;aspect-ratio:16/9;object-fit:contain;background:#000;border-radius:4px;display:block;margin-bottom:8px}
.detail dl{display:grid;grid-template-columns:max-content 1fr;gap:3px 10px;margin:0 0 10px}
.detail dt{color:var(--muted)}
.detail dd{margin:0;word-break:break-word}
.detail .tc{font-family:ui-monospace,monospace;font-size:1.05rem}
.detail .nav{display:flex;gap:6px;align-items:center;flex-wrap:wrap}
.detail .status{color:var(--accent);font-size:.8rem}
.detail .placeholder{color:var(--muted)}
.warn{color:var(--low)}
.table-wrap{order:1;overflow-x:auto}
table{border-collapse:collapse;width:100%;background:var(--panel);border:1px solid var(--line);border-radius:8px}
th,td{border-bottom:1px solid var(--line);padding:4px 8px;text-align:left;vertical-align:middle}
th{background:#272b30;position:sticky;top:0;font-weight:600;color:var(--muted);font-size:.8rem;z-index:1}
td.tc{font-family:ui-monospace,monospace;white-space:nowrap}
td.num{text-align:right;white-space:nowrap;font-variant-numeric:tabular-nums}
td img{height:40px;width:71px;object-fit:cover;display:block;background:#2b3036;border-radius:2px}
tbody tr{cursor:pointer}
tbody tr:hover{background:#262a2f}
tbody tr.sel{background:#3a3520}
td button.pick{background:none;border:1px solid transparent;color:var(--text);font:inherit;cursor:pointer;padding:2px 6px;border-radius:4px}
td button.pick:focus-visible{border-color:#fff;outline:none}
.chip{display:inline-block;border-radius:9px;padding:0 6px;margin:1px 3px 1px 0;font-size:.75rem;color:#111}
`.trim();

// Client code: plain ES2020, no libraries. It reads the embedded shot data with JSON.parse and writes only textContent.
const SCRIPT = `
(() => {
  'use strict';
  const data = JSON.parse(document.getElementById('report-data').textContent);
  const shots = data.shots;
  const $ = (s) => document.querySelector(s);
  const scroll = $('.tl-scroll'), inner = $('.tl-inner'), zoomOut = $('#zoom-level');
  const shotEls = Array.from(document.querySelectorAll('.shot'));
  const rows = Array.from(document.querySelectorAll('tbody tr'));
  const tickLevels = Array.from(document.querySelectorAll('.ticks'));
  const selSpan = $('.sel-span');
  let zoom = 1, current = -1;
  const maxZoom = () => Math.max(1, data.totalFrames * 8 / Math.max(1, scroll.clientWidth));
  function updateTicks() {
    const pxPerFrame = inner.offsetWidth / data.totalFrames;
    let pick = tickLevels[tickLevels.length - 1];
    for (const level of tickLevels) { if (Number(level.dataset.step) * pxPerFrame >= 90) { pick = level; break; } }
    for (const level of tickLevels) level.hidden = level !== pick;
  }
  function setZoom(z, anchorX) {
    z = Math.min(maxZoom(), Math.max(1, z));
    const ax = anchorX === undefined ? scroll.clientWidth / 2 : anchorX;
    const at = (scroll.scrollLeft + ax) / inner.offsetWidth;
    zoom = z;
    inner.style.width = (z * 100) + '%';
    scroll.scrollLeft = at * inner.offsetWidth - ax;
    zoomOut.textContent = z < 10 ? z.toFixed(1) + '×' : Math.round(z) + '×';
    updateTicks();
  }
  $('#zoom-in').addEventListener('click', () => setZoom(zoom * 2));
  $('#zoom-out').addEventListener('click', () => setZoom(zoom / 2));
  $('#zoom-fit').addEventListener('click', () => setZoom(1));
  scroll.addEventListener('wheel', (e) => {
    if (!(e.ctrlKey || e.metaKey)) return;
    e.preventDefault();
    setZoom(zoom * Math.exp(-e.deltaY * 0.0025), e.clientX - scroll.getBoundingClientRect().left);
  }, { passive: false });
  function reveal(i) {
    const el = shotEls[i];
    if (!el) return;
    const left = el.offsetLeft, right = left + el.offsetWidth;
    if (left < scroll.scrollLeft || right > scroll.scrollLeft + scroll.clientWidth) {
      scroll.scrollLeft = left - Math.max(0, (scroll.clientWidth - el.offsetWidth) / 2);
    }
  }
  const text = (sel, value) => { $(sel).textContent = value; };
  function chips(target, items) {
    const el = $(target);
    el.textContent = '';
    if (items.length === 0) { el.textContent = '—'; return; }
    for (const item of items) {
      const c = document.createElement('span');
      c.className = 'chip';
      c.style.background = item.colour;
      c.textContent = item.text;
      el.appendChild(c);
    }
  }
  function select(i, opts) {
    const s = shots[i];
    if (!s) return;
    if (current >= 0) { shotEls[current].classList.remove('sel'); shotEls[current].tabIndex = -1; rows[current].classList.remove('sel'); }
    current = i;
    const el = shotEls[i];
    el.classList.add('sel'); el.tabIndex = 0; rows[i].classList.add('sel');
    selSpan.hidden = false; selSpan.style.left = el.style.left; selSpan.style.width = el.style.width;
    $('.detail .placeholder').hidden = true; $('#detail-body').hidden = false;
    text('#d-title', 'Shot ' + (i + 1) + ' of ' + shots.length);
    const img = $('#d-img'); img.src = s.image; img.alt = 'Keyframe of shot ' + (i + 1) + ' (frame ' + s.keyFrame + ')';
    text('#d-in', s.srcIn); text('#d-out', s.srcOut);
    text('#d-dur', s.durTc + ' (' + s.frames + ' f, ' + s.seconds + ' s)');
    text('#d-frames', s.startFrame + '–' + (s.endFrame - 1));
    text('#d-key', s.keyTc + ' (frame ' + s.keyFrame + ')');
    text('#d-trans', s.transition);
    $('#d-trans').className = s.low ? 'warn' : '';
    chips('#d-labels', s.labels); chips('#d-chars', s.characters);
    text('#d-scale', s.scale || '—');
    text('#copy-status', '');
    if (!opts || !opts.keepScroll) reveal(i);
    if (opts && opts.focus) el.focus({ preventScroll: true });
    if (history.replaceState) history.replaceState(null, '', '#shot-' + (i + 1));
  }
  inner.addEventListener('click', (e) => {
    const b = e.target.closest('.shot');
    if (b) select(Number(b.dataset.i), { keepScroll: true });
  });
  inner.addEventListener('keydown', (e) => {
    if (current < 0) return;
    if (e.key === 'ArrowRight' || e.key === 'ArrowLeft') {
      e.preventDefault();
      select(Math.min(shots.length - 1, Math.max(0, current + (e.key === 'ArrowRight' ? 1 : -1))), { focus: true });
    } else if (e.key === '+' || e.key === '=') setZoom(zoom * 2);
    else if (e.key === '-') setZoom(zoom / 2);
  });
  $('tbody').addEventListener('click', (e) => {
    const r = e.target.closest('tr');
    if (r) select(Number(r.dataset.i));
  });
  $('#d-prev').addEventListener('click', () => select(Math.max(0, current - 1)));
  $('#d-next').addEventListener('click', () => select(Math.min(shots.length - 1, current + 1)));
  function fallbackCopy(value) {
    const ta = document.createElement('textarea');
    ta.value = value; ta.setAttribute('readonly', ''); ta.style.position = 'fixed'; ta.style.opacity = '0';
    document.body.appendChild(ta); ta.select();
    let ok = false;
    try { ok = document.execCommand('copy'); } catch (_) { ok = false; }
    ta.remove();
    return ok;
  }
  $('#d-copy').addEventListener('click', async () => {
    const s = shots[current];
    if (!s) return;
    const value = 'Shot ' + (current + 1) + '\\tIN ' + s.srcIn + '\\tOUT ' + s.srcOut + '\\tDUR ' + s.durTc;
    let ok = false;
    try { await navigator.clipboard.writeText(value); ok = true; } catch (_) { ok = fallbackCopy(value); }
    text('#copy-status', ok ? 'Copied' : 'Copy failed: select the timecodes by hand');
  });
  setZoom(Math.max(1, Math.min(maxZoom(), shots.length * 56 / Math.max(1, scroll.clientWidth))), 0);
  scroll.scrollLeft = 0;
  const m = /^#shot-(\\d+)$/.exec(location.hash);
  if (m) select(Number(m[1]) - 1); else if (shotEls[0]) shotEls[0].tabIndex = 0;
})();
`.trim();

/** What the page's script knows about each shot: display strings computed here, with the one timecode library. */
interface ShotData {
  readonly startFrame: number;
  readonly endFrame: number;
  readonly frames: number;
  readonly seconds: string;
  readonly srcIn: string;
  readonly srcOut: string;
  readonly durTc: string;
  readonly keyFrame: number;
  readonly keyTc: string;
  readonly image: string;
  readonly transition: string;
  readonly low: boolean;
  readonly labels: readonly { text: string; colour: string }[];
  readonly characters: readonly { text: string; colour: string }[];
  readonly scale: string | null;
}

/** JSON safe inside a `<script>` element: no `<` can close it or open a comment. */
function scriptJson(value: unknown): string {
  return JSON.stringify(value).replace(/</g, '\\u003c').replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');
}

function colourMap(names: Iterable<string>, palette: readonly string[]): Map<string, string> {
  const map = new Map<string, string>();
  for (const name of names) if (!map.has(name)) map.set(name, palette[map.size % palette.length] ?? '#888');
  return map;
}

function legendHtml(title: string, colours: ReadonlyMap<string, string>): string {
  if (colours.size === 0) return '';
  const items = [...colours].map(([name, colour]) => `<span><i class="sw" style="background:${colour}"></i>${escapeHtml(name)}</span>`);
  return `<span><b>${escapeHtml(title)}:</b></span>${items.join('')}`;
}

/**
 * Renders the report page for an analysis. The page shows:
 * - a header with the source's facts (file, rate such as `29.97 DF`, frames, duration as
 *   timecode, picture size, start timecode) and transition counts by type;
 * - a zoomable timeline (buttons, ctrl/⌘+wheel, horizontal scroll) with a timecode ruler,
 *   transitions (a cut as a line, a gradual one as a shaded span with its length in frames,
 *   low-confidence ones flagged), a keyframe thumbnail per shot placed by its frames, a lane for
 *   label segments and one per character, with a legend;
 * - a detail panel for the clicked shot (source in/out timecode, duration, transition, labels,
 *   characters, a copy button for the timecodes) and a keyboard-accessible shot table.
 *
 * Self-contained: inline CSS and script, no network, images by their relative paths with
 * `loading="lazy"`. Every piece of text from the analysis is escaped. Pure.
 */
export function renderReportHtml(analysis: AnalysisResult, options: ReportOptions = {}): string {
  const lowConfidence = options.lowConfidence ?? DEFAULT_LOW_CONFIDENCE;
  const { source, shots } = analysis;
  const format: TimecodeFormat = { fps: source.fps, dropFrame: source.dropFrame };
  const tc = sourceTimecoder(source);
  // Durations are lengths, not positions: written as timecode counted from zero.
  const lengthTc = (frames: number): string => framesToTimecode(Math.max(0, frames), format);
  const fpsValue = toNumber(source.fps);
  const lastShotEnd = shots.reduce((m, s) => Math.max(m, s.endFrame), 0);
  const totalFrames = Math.max(1, source.frameCount, lastShotEnd);
  const pct = (frame: number): string => `${((frame / totalFrames) * 100).toFixed(4)}%`;
  const place = (start: number, endExclusive: number): string =>
    `left:${pct(start)};width:${pct(Math.max(0, endExclusive - start))}`;

  const byKey = new Map<string, Transition>();
  for (const t of analysis.transitions) byKey.set(transitionKey(t), t);
  const isLow = (t: Transition | undefined): boolean => t !== undefined && t.confidence < lowConfidence;
  const lowCount = analysis.transitions.filter(isLow).length;

  // Classes first, so a label keeps its colour from one report to the next; only labels in use are shown.
  const usedLabels = new Set([...analysis.segments.map((s) => s.label), ...shots.flatMap((s) => Object.keys(s.labels))]);
  const labelColours = colourMap([...analysis.classifier.classes, ...usedLabels].filter((name) => usedLabels.has(name)), LABEL_COLOURS);
  const characterSeconds = new Map<string, number>();
  for (const shot of shots) {
    for (const c of shot.characters) characterSeconds.set(c.name, (characterSeconds.get(c.name) ?? 0) + c.seconds);
  }
  const characterNames = [...characterSeconds].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])).map(([n]) => n);
  const characterColours = colourMap(characterNames, CHARACTER_COLOURS);

  // Header
  const counts = new Map<string, number>();
  for (const t of analysis.transitions) counts.set(t.type, (counts.get(t.type) ?? 0) + 1);
  const facts: [string, string][] = [
    ['Rate', rateLabel(source)],
    ['Frames', String(source.frameCount)],
    ['Duration', lengthTc(source.frameCount)],
    ['Size', `${source.width} × ${source.height}`],
    ['Start', source.startTimecode],
    ['Shots', String(shots.length)],
  ];
  const { classifier } = analysis;
  if (classifier.model) facts.push(['Model', `${classifier.model.split(/[\\/]/).pop() ?? classifier.model} (${classifier.classes.length} classes)`]);
  if (classifier.backend) facts.push(['Backend', classifier.backend]);
  const countItems = [...counts].map(([type, n]) =>
    `<li><i class="sw" style="background:${TRANSITION_COLOURS[type] ?? '#888'}"></i>${escapeHtml(type)}: ${n}</li>`);
  if (countItems.length === 0) countItems.push('<li>no transitions</li>');
  if (lowCount > 0) countItems.push(`<li class="low">? ${lowCount} below ${lowConfidence} confidence</li>`);

  // Ruler: one level of ticks per spacing; the script shows the level that fits the zoom.
  // Ticks fall on round source timecode (within the frames drop-frame skips), not on round offsets from the start.
  const base = timecodeBase(source.fps);
  const startFrame = startFrameOf(source);
  const tickLevels: string[] = [];
  for (const seconds of TICK_SECONDS) {
    const step = seconds * base;
    const first = (step - (startFrame % step)) % step;
    const n = first >= totalFrames ? 0 : Math.floor((totalFrames - 1 - first) / step) + 1;
    if (n > MAX_TICKS_PER_LEVEL) continue;
    if (n === 0) break;
    const ticks: string[] = [];
    for (let k = 0; k < n; k++) {
      const frame = first + k * step;
      ticks.push(`<span class="tick" style="left:${pct(frame)}">${escapeHtml(tc(frame))}</span>`);
    }
    tickLevels.push(`<div class="ticks" data-step="${step}" hidden>${ticks.join('')}</div>`);
    if (n <= 2) break;
  }

  // Transitions lane, and a guide through every lane for each low-confidence boundary
  const transitionEls: string[] = [];
  const guides: string[] = [];
  for (const t of analysis.transitions) {
    const [first, last] = transitionSpan(t);
    const low = isLow(t);
    const conf = `confidence ${t.confidence.toFixed(2)}${low ? ' (low: check this boundary)' : ''}`;
    const colour = TRANSITION_COLOURS[t.type] ?? '#888';
    if (t.type === 'cut') {
      const title = `cut at ${tc(t.frame)} (frame ${t.frame}), ${conf}`;
      transitionEls.push(`<div class="tr cut${low ? ' low' : ''}" style="left:${pct(t.frame)};--c:${colour}" title="${escapeHtml(title)}"></div>`);
    } else {
      const frames = last - first + 1;
      const title = `${t.type}${t.color ? ` (${t.color})` : ''} ${tc(first)}–${tc(last)}, ${frames} frames, ${conf}`;
      transitionEls.push(`<div class="tr gradual${low ? ' low' : ''}" style="${place(first, last + 1)};--c:${colour}" title="${escapeHtml(title)}"><span>${escapeHtml(t.type)} ${frames}f</span></div>`);
    }
    if (low) guides.push(`<div class="guide" style="left:${pct(first)}"></div>`);
  }

  // Shot lane
  const shotEls = shots.map((shot, i) => {
    const title = `Shot ${i + 1}: ${tc(shot.startFrame)}–${tc(shot.endFrame)}, ${shot.endFrame - shot.startFrame} frames`;
    return `<button type="button" class="shot" data-i="${i}" tabindex="-1" style="${place(shot.startFrame, shot.endFrame)}" title="${escapeHtml(title)}" aria-label="${escapeHtml(title)}">`
      + `<img src="${escapeHtml(shot.keyframe.image)}" alt="" loading="lazy" decoding="async"><span class="n">${i + 1}</span></button>`;
  });

  // One lane per kind of label segment (scene labels, technical cues, shot scale), then one per
  // character (drawn from the shots, which carry screen time and confidence).
  const segmentEl = (seg: Segment): string => {
    const title = `${seg.label} ${tc(seg.startFrame)}–${tc(seg.endFrame)}, confidence ${seg.confidence.toFixed(2)}`;
    return `<div class="span" style="${place(seg.startFrame, seg.endFrame)};background:${labelColours.get(seg.label) ?? '#888'}" title="${escapeHtml(title)}">${escapeHtml(seg.label)}</div>`;
  };
  const laneNames: string[] = ['<div class="h-ruler">Timecode</div>', '<div class="h-trans">Transitions</div>', '<div class="h-shots">Shots</div>'];
  const lanes: string[] = [
    `<div class="lane h-ruler">${tickLevels.join('')}</div>`,
    `<div class="lane h-trans">${transitionEls.join('')}</div>`,
    `<div class="lane h-shots">${shotEls.join('')}${shots.length === 0 ? '<span class="empty">No shots</span>' : ''}</div>`,
  ];
  const scenes = analysis.segments.filter((seg) => (seg.kind ?? 'scene') === 'scene');
  laneNames.push('<div class="h-lane">Labels</div>');
  lanes.push(`<div class="lane h-lane lane-labels">${scenes.length > 0 ? scenes.map(segmentEl).join('') : '<span class="empty">No label segments (run with --model)</span>'}</div>`);
  for (const [kind, title] of [['technical', 'Technical'], ['scale', 'Shot scale']] as const) {
    const ofKind = analysis.segments.filter((seg) => seg.kind === kind);
    if (ofKind.length === 0) continue;
    laneNames.push(`<div class="h-lane">${title}</div>`);
    lanes.push(`<div class="lane h-lane lane-labels">${ofKind.map(segmentEl).join('')}</div>`);
  }
  if (characterNames.length === 0) {
    laneNames.push('<div class="h-lane">Characters</div>');
    lanes.push('<div class="lane h-lane lane-characters"><span class="empty">No characters (run with --characters)</span></div>');
  }
  for (const name of characterNames) {
    const colour = characterColours.get(name) ?? '#888';
    const spans = shots.flatMap((shot) => shot.characters.filter((c) => c.name === name).map((c) => {
      const title = `${name} in shot ${shot.index + 1}: ${c.seconds.toFixed(1)} s, confidence ${c.confidence.toFixed(2)}`;
      return `<div class="span" style="${place(shot.startFrame, shot.endFrame)};background:${colour};opacity:${(0.45 + 0.55 * Math.min(1, Math.max(0, c.confidence))).toFixed(2)}" title="${escapeHtml(title)}"></div>`;
    }));
    laneNames.push(`<div class="h-lane" title="${escapeHtml(name)}"><i class="sw" style="background:${colour}"></i>${escapeHtml(name)}</div>`);
    lanes.push(`<div class="lane h-lane lane-characters">${spans.join('')}</div>`);
  }

  const transitionLegend = new Map(Object.entries(TRANSITION_COLOURS).filter(([type]) => type !== 'fade-out' && type !== 'fade-through'));
  const legend = [
    legendHtml('Transitions', new Map([...transitionLegend].map(([type, c]) => [type === 'fade-in' ? 'fade' : type, c]))),
    `<span><i class="sw" style="background:var(--low)"></i>? confidence below ${lowConfidence}</span>`,
    legendHtml('Labels', labelColours),
    legendHtml('Characters', characterColours),
  ].filter((s) => s !== '');

  // Data for the detail panel, and the table
  const shotData: ShotData[] = shots.map((shot) => {
    const frames = shot.endFrame - shot.startFrame;
    const key = shotTransitionKey(shot);
    const t = key === undefined ? undefined : byKey.get(key);
    let transition: string = shot.transition.type === 'start' ? 'start of file' : shot.transition.type;
    if (shot.transition.type !== 'start' && shot.transition.type !== 'cut') {
      const span = shot.transition.endFrame - shot.transition.startFrame + 1;
      transition += ` ${span} frames (${tc(shot.transition.startFrame)}–${tc(shot.transition.endFrame)})`;
    }
    if (t) transition += `, confidence ${t.confidence.toFixed(2)}${isLow(t) ? ' — low, check it' : ''}`;
    return {
      startFrame: shot.startFrame, endFrame: shot.endFrame, frames, seconds: (frames / fpsValue).toFixed(2),
      srcIn: tc(shot.startFrame), srcOut: tc(shot.endFrame), durTc: lengthTc(frames),
      keyFrame: shot.keyframe.frame, keyTc: tc(shot.keyframe.frame), image: shot.keyframe.image,
      transition, low: isLow(t),
      labels: Object.entries(shot.labels).sort((a, b) => b[1] - a[1])
        .map(([name, score]) => ({ text: `${name} ${score.toFixed(2)}`, colour: labelColours.get(name) ?? '#888' })),
      characters: shot.characters.map((c) => ({ text: `${c.name} ${c.seconds.toFixed(1)} s`, colour: characterColours.get(c.name) ?? '#888' })),
      scale: shot.scale,
    };
  });
  const chipHtml = (items: readonly { text: string; colour: string }[]): string =>
    items.map((c) => `<span class="chip" style="background:${c.colour}">${escapeHtml(c.text)}</span>`).join('');
  const rows = shotData.map((s, i) => [
    `<tr data-i="${i}">`,
    `<td class="num"><button type="button" class="pick" aria-label="Show shot ${i + 1}">${i + 1}</button></td>`,
    `<td><img src="${escapeHtml(s.image)}" alt="${escapeHtml(`keyframe ${s.keyFrame}`)}" loading="lazy" decoding="async"></td>`,
    `<td class="tc">${escapeHtml(s.srcIn)}</td><td class="tc">${escapeHtml(s.srcOut)}</td>`,
    `<td class="num">${s.frames} f (${s.seconds} s)</td>`,
    `<td${s.low ? ' class="warn"' : ''}>${escapeHtml(s.transition)}</td>`,
    `<td>${chipHtml(s.labels)}</td><td>${chipHtml(s.characters)}</td>`,
    '</tr>',
  ].join(''));

  const pageData = { totalFrames, shots: shotData };

  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width,initial-scale=1">
<title>${escapeHtml(source.name)} — roughcut report</title>
<style>${STYLE}</style>
</head>
<body>
<header>
<h1>${escapeHtml(source.name)}</h1>
<p class="path">${escapeHtml(source.path)}</p>
<ul class="facts">
${facts.map(([k, v]) => `<li><b>${escapeHtml(k)}</b>${escapeHtml(v)}</li>`).join('\n')}
</ul>
<ul class="counts">
${countItems.join('\n')}
</ul>
</header>
<main>
<section class="timeline" aria-label="Timeline">
<div class="toolbar">
<h2 style="margin:0">Timeline</h2>
<button type="button" id="zoom-out" title="Zoom out (-)">−</button>
<button type="button" id="zoom-in" title="Zoom in (+)">+</button>
<button type="button" id="zoom-fit" title="Fit the whole file">Fit</button>
<span class="zoom" id="zoom-level">1.0×</span>
<span class="hint">Ctrl/⌘ + wheel to zoom · click a shot for details · ← → step</span>
</div>
<div class="tl-wrap">
<div class="tl-names">
${laneNames.join('\n')}
</div>
<div class="tl-scroll">
<div class="tl-inner">
${lanes.join('\n')}
${guides.join('')}
<div class="sel-span" hidden></div>
</div>
</div>
</div>
<p class="legend">${legend.join(' ')}</p>
</section>
<div class="below">
<aside class="detail" id="detail" aria-live="polite">
<h2 id="d-title">Shot details</h2>
<p class="placeholder">Click a shot on the timeline or in the table.</p>
<div id="detail-body" hidden>
<img id="d-img" alt="">
<dl>
<dt>Source in</dt><dd class="tc" id="d-in"></dd>
<dt>Source out</dt><dd class="tc" id="d-out"></dd>
<dt>Duration</dt><dd id="d-dur"></dd>
<dt>Frames</dt><dd id="d-frames"></dd>
<dt>Keyframe</dt><dd id="d-key"></dd>
<dt>Transition</dt><dd id="d-trans"></dd>
<dt>Labels</dt><dd id="d-labels"></dd>
<dt>Characters</dt><dd id="d-chars"></dd>
<dt>Scale</dt><dd id="d-scale"></dd>
</dl>
<div class="nav">
<button type="button" id="d-copy">Copy timecodes</button>
<button type="button" id="d-prev" aria-label="Previous shot">‹</button>
<button type="button" id="d-next" aria-label="Next shot">›</button>
<span class="status" id="copy-status" role="status"></span>
</div>
</div>
</aside>
<div class="table-wrap">
<table>
<thead><tr><th>#</th><th>Keyframe</th><th>Source in</th><th>Source out</th><th>Duration</th><th>Transition</th><th>Labels</th><th>Characters</th></tr></thead>
<tbody>
${rows.join('\n')}
</tbody>
</table>
</div>
</div>
</main>
<script type="application/json" id="report-data">${scriptJson(pageData)}</script>
<script>${SCRIPT}</script>
</body>
</html>
`;
}
