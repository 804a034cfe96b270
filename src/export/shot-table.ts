// Tabular and raw exports of an analysis: a CSV row per shot, and analysis.json itself.
import type { AnalysisResult } from '../core/types.js';
import { csvRow } from './markup.js';
import { planTimecode, planTimeline, shotConfidence } from './timeline.js';

/**
 * One CSV row per shot: index, start/end frame (`[start, end)`), source timecode in/out (the
 * file's start timecode plus the frame), duration in frames, leading transition type, its
 * confidence (empty for the first shot), keyframe frame, labels as `name:score` joined by `;`. Pure.
 */
export function renderShotCsv(analysis: AnalysisResult): string {
  const plan = planTimeline(analysis, { reviewBelow: 0 });
  const rows = [csvRow(['index', 'start_frame', 'end_frame', 'source_tc_in', 'source_tc_out', 'duration_frames', 'transition', 'confidence', 'keyframe', 'labels'])];
  plan.clips.forEach((clip) => {
    const shot = clip.shot;
    if (!shot) return;
    const confidence = shotConfidence(analysis, shot);
    rows.push(csvRow([
      shot.index, shot.startFrame, shot.endFrame,
      planTimecode(plan, plan.sourceStart + clip.sourceIn), planTimecode(plan, plan.sourceStart + clip.sourceOut),
      shot.endFrame - shot.startFrame, shot.transition.type, confidence === undefined ? '' : confidence,
      shot.keyframe.frame, Object.entries(shot.labels).map(([k, v]) => `${k}:${v}`).join(';'),
    ]));
  });
  return `${rows.join('\n')}\n`;
}

/** analysis.json exactly as `analyze` writes it. Pure. */
export function renderAnalysisJson(analysis: AnalysisResult): string {
  return `${JSON.stringify(analysis, null, 2)}\n`;
}
