// The library's public surface: the stage functions the CLI, workers and API all call.
export { analyzeFile, type AnalyzeOptions, type AnalyzeOutput } from './analyze.js';
export * from './core/errors.js';
export * from './core/rational.js';
export * from './core/range.js';
export * from './core/timecode.js';
export * from './core/types.js';
export { SETTINGS, defaultSettings, resolveSettings, type AnalysisSettings } from './core/settings.js';
export { probeMedia } from './ingest/probe.js';
export { validateInput } from './ingest/validate.js';
export { decodeFrames, type DecodeOptions, type DecodedFrame, type FrameOutput } from './frames/decode.js';
export { createBoundaryDetector } from './keyframes/boundaries.js';
export { buildShots } from './keyframes/shots.js';
export { renderEdl, type EdlOptions } from './export/edl.js';
export { renderReportHtml } from './export/report-html.js';
