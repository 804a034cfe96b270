// Exporters by name and by file suffix: adding a format is one file and one line here.
import { renderEdl, type EdlOptions } from './edl.js';
import type { Exporter } from './exporter.js';
import { renderFcp7Xml, type Fcp7Options } from './fcp7-xml.js';
import { renderFcpxml, type FcpxmlOptions } from './fcpxml.js';
import { renderMarkerCsv, renderMarkerEdl, type MarkerListOptions } from './markers.js';
import { renderOtio, type OtioOptions } from './otio.js';
import { renderReportHtml } from './report-html.js';
import { renderAnalysisJson, renderShotCsv } from './shot-table.js';

/** CMX 3600 EDL. */
export const edlExporter: Exporter<EdlOptions> = {
  name: 'edl',
  suffix: '.edl',
  render: (analysis, options) => renderEdl(analysis, options),
};

/** Final Cut Pro 7 XML (xmeml), for Premiere Pro, Resolve and OpenShot. */
export const fcp7Exporter: Exporter<Fcp7Options> = {
  name: 'fcp7',
  suffix: '.xml',
  render: (analysis, options) => renderFcp7Xml(analysis, options),
};

/** FCPXML for Final Cut Pro (1.9 by default; `version` picks 1.10 / 1.11). */
export const fcpxmlExporter: Exporter<FcpxmlOptions> = {
  name: 'fcpxml',
  suffix: '.fcpxml',
  render: (analysis, options) => renderFcpxml(analysis, options),
};

/** OpenTimelineIO JSON. */
export const otioExporter: Exporter<OtioOptions> = {
  name: 'otio',
  suffix: '.otio',
  render: (analysis, options) => renderOtio(analysis, options),
};

/** Marker list for Resolve: a CMX 3600 EDL of `* LOC:` locators. */
export const markerEdlExporter: Exporter<MarkerListOptions> = {
  name: 'markers-edl',
  suffix: '.markers.edl',
  render: (analysis, options) => renderMarkerEdl(analysis, options),
};

/** Marker list for Premiere Pro: marker CSV. */
export const markerCsvExporter: Exporter<MarkerListOptions> = {
  name: 'markers-csv',
  suffix: '.markers.csv',
  render: (analysis, options) => renderMarkerCsv(analysis, options),
};

/** One CSV row per shot (takes no options). */
export const csvExporter: Exporter = {
  name: 'csv',
  suffix: '.csv',
  render: (analysis) => renderShotCsv(analysis),
};

/** The analysis itself, as analysis.json (takes no options). */
export const jsonExporter: Exporter = {
  name: 'json',
  suffix: '.json',
  render: (analysis) => renderAnalysisJson(analysis),
};

/** The HTML report page (takes no options). */
export const htmlExporter: Exporter = {
  name: 'html',
  suffix: '.html',
  render: (analysis) => renderReportHtml(analysis),
};

/** Every registered exporter, in the order `--help` lists them. */
export const exporters: readonly Exporter[] = [
  edlExporter, fcp7Exporter, fcpxmlExporter, otioExporter, markerEdlExporter, markerCsvExporter, csvExporter, jsonExporter, htmlExporter,
];

/** Names that stand for several exporters: `markers` writes both marker lists. */
export const exporterGroups: Readonly<Record<string, readonly string[]>> = { markers: ['markers-edl', 'markers-csv'] };

/**
 * The exporter called `key` (`'edl'`) or writing files ending in `key` (`'.edl'`, `'EDL'`,
 * `'cut.edl'`), case-insensitive; undefined when there is none.
 */
export function findExporter(key: string): Exporter | undefined {
  const k = key.trim().toLowerCase();
  const exact = exporters.find((e) => e.name === k || e.suffix === k || `.${k}` === e.suffix);
  if (exact) return exact;
  // The longest matching suffix wins: `cut.markers.edl` is a marker list, not an EDL.
  let best: Exporter | undefined;
  for (const e of exporters) if (k.endsWith(e.suffix) && (!best || e.suffix.length > best.suffix.length)) best = e;
  return best;
}

/**
 * The exporters a `--format` list names (`'edl,fcp7,markers'`: names, suffixes or group names,
 * comma-separated), each once, in the order given. Unknown names are returned in `unknown`.
 */
export function resolveExporters(list: string): { exporters: Exporter[]; unknown: string[] } {
  const found: Exporter[] = [];
  const unknown: string[] = [];
  for (const raw of list.split(',').map((s) => s.trim()).filter(Boolean)) {
    const group = exporterGroups[raw.toLowerCase()];
    const picked = group ? group.map((name) => findExporter(name)) : [findExporter(raw)];
    for (const e of picked) {
      if (!e) unknown.push(raw);
      else if (!found.includes(e)) found.push(e);
    }
  }
  return { exporters: found, unknown };
}
