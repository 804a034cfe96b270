// Exporters by name and by file suffix: adding a format is one file and one line here.
import { renderEdl, type EdlOptions } from './edl.js';
import type { Exporter } from './exporter.js';
import { renderFcp7Xml, type Fcp7Options } from './fcp7-xml.js';
import { renderFcpxml, type FcpxmlOptions } from './fcpxml.js';
import { renderReportHtml } from './report-html.js';

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

/** The HTML report page (takes no options). */
export const htmlExporter: Exporter = {
  name: 'html',
  suffix: '.html',
  render: (analysis) => renderReportHtml(analysis),
};

/** Every registered exporter, in the order `--help` lists them. */
export const exporters: readonly Exporter[] = [edlExporter, fcp7Exporter, fcpxmlExporter, htmlExporter];

/**
 * The exporter called `key` (`'edl'`) or writing files ending in `key` (`'.edl'`, `'EDL'`,
 * `'cut.edl'`), case-insensitive; undefined when there is none.
 */
export function findExporter(key: string): Exporter | undefined {
  const k = key.trim().toLowerCase();
  return exporters.find((e) => e.name === k || e.suffix === k || `.${k}` === e.suffix || k.endsWith(e.suffix));
}
