// A structural FCPXML validator for the elements roughcut writes, transcribed from the published FCPXML DTD's rules.
//
// The DTD itself (FCPXMLv1_9.dtd .. v1_11.dtd, shipped inside Final Cut Pro) is not available
// offline here, so the content models and attribute lists below were written from the published
// DTD text for just the elements the exporter emits; anything else is reported as unknown.
import type { XmlNode } from './xml-reader.js';

interface ElementRule {
  /** Content model as a regular expression over the child element names, each followed by a space. */
  readonly content: RegExp;
  readonly required: readonly string[];
  readonly optional: readonly string[];
  /** Attribute values constrained to a list. */
  readonly enums?: Readonly<Record<string, readonly string[]>>;
  /** Attributes holding FCPXML time values. */
  readonly times?: readonly string[];
}

const TIMING = ['offset', 'start', 'duration'];
// %marker_item; = marker | chapter-marker | rating | keyword | analysis-marker
const MARKER_ITEM = '(?:(?:marker|chapter-marker|rating|keyword|analysis-marker) )';
// %anchor_item; (the clip kinds and spine) - only listed so the models read as in the DTD.
const ANCHOR_ITEM = '(?:(?:audio|video|clip|title|mc-clip|ref-clip|sync-clip|asset-clip|audition|spine) )';

const RULES: Readonly<Record<string, ElementRule>> = {
  // <!ELEMENT fcpxml (import-options?, resources?, (library | event* | (%event_item;)*))>
  fcpxml: { content: /^(?:import-options )?(?:resources )?(?:library )?$/, required: ['version'], optional: [], enums: { version: ['1.9', '1.10', '1.11'] } },
  // <!ELEMENT resources (asset | effect | format | media | locator | object-tracker)*>
  resources: { content: /^(?:(?:asset|effect|format|media|locator|object-tracker) )*$/, required: [], optional: [] },
  // <!ELEMENT format EMPTY> (1.9: no children)
  format: {
    content: /^$/, required: ['id'],
    optional: ['name', 'frameDuration', 'fieldOrder', 'width', 'height', 'paspH', 'paspV', 'colorSpace', 'projection', 'stereoscopic'], times: ['frameDuration'],
  },
  // <!ELEMENT asset (media-rep+, metadata?)>
  asset: {
    content: /^(?:media-rep )+(?:metadata )?$/, required: ['id'],
    optional: ['name', 'uid', 'start', 'duration', 'hasVideo', 'format', 'hasAudio', 'videoSources', 'audioSources', 'audioChannels', 'audioRate', 'customLLPInfo', 'auxVideoFlags'],
    enums: { hasVideo: ['0', '1'], hasAudio: ['0', '1'] }, times: ['start', 'duration'],
  },
  // <!ELEMENT media-rep (bookmark?)>; kind (original-media | proxy-media) "original-media"; src #REQUIRED
  'media-rep': { content: /^(?:bookmark )?$/, required: ['src'], optional: ['kind', 'sig', 'suggestedFilename'], enums: { kind: ['original-media', 'proxy-media'] } },
  // <!ELEMENT library (location*, event*, smart-collection*)>
  library: { content: /^(?:location )*(?:event )*(?:smart-collection )*$/, required: [], optional: ['location', 'colorProcessing'] },
  // <!ELEMENT event (%event_item;)*> with project among the event items
  event: { content: /^(?:(?:clip|audition|mc-clip|ref-clip|sync-clip|asset-clip|collection-folder|keyword-collection|smart-collection|project) )*$/, required: [], optional: ['name', 'uid'] },
  // <!ELEMENT project (sequence)>
  project: { content: /^sequence $/, required: [], optional: ['name', 'uid', 'id', 'modDate'] },
  // <!ELEMENT sequence (note?, spine, metadata?)>; format IDREF #REQUIRED; tcFormat (DF | NDF)
  sequence: {
    content: /^(?:note )?spine (?:metadata )?$/, required: ['format'],
    optional: ['duration', 'tcStart', 'tcFormat', 'audioLayout', 'audioRate', 'renderFormat', 'keywords'],
    enums: { tcFormat: ['DF', 'NDF'] }, times: ['duration', 'tcStart'],
  },
  // <!ELEMENT spine (%clip_item; | transition)*>
  spine: { content: /^(?:(?:asset-clip|clip|gap|ref-clip|sync-clip|mc-clip|audition|title|audio|video|transition) )*$/, required: [], optional: ['name', 'format', 'lane', 'offset'], times: ['offset'] },
  // <!ELEMENT asset-clip (note?, %conform-rate;?, %timing-params;*, %intrinsic-params-audio;*, (%anchor_item;)*, (%marker_item;)*, audio-channel-source*, filter-video*, filter-audio*, metadata?)>
  'asset-clip': {
    content: new RegExp(`^(?:note )?(?:conform-rate )?(?:(?:timeMap|adjust-[a-z-]+) )*${ANCHOR_ITEM}*${MARKER_ITEM}*(?:audio-channel-source )*(?:filter-video )*(?:filter-audio )*(?:metadata )?$`),
    required: ['ref'],
    optional: [...TIMING, 'lane', 'name', 'enabled', 'format', 'tcStart', 'tcFormat', 'audioStart', 'audioDuration', 'modDate', 'srcEnable', 'audioRole', 'videoRole'],
    enums: { tcFormat: ['DF', 'NDF'], enabled: ['0', '1'] }, times: TIMING,
  },
  // <!ELEMENT gap (note?, (%anchor_item;)*, (%marker_item;)*, metadata?)>
  gap: { content: new RegExp(`^(?:note )?${ANCHOR_ITEM}*${MARKER_ITEM}*(?:metadata )?$`), required: [], optional: [...TIMING, 'name', 'enabled'], times: TIMING },
  // <!ELEMENT marker EMPTY>; start #REQUIRED, value #REQUIRED, completed (0 | 1)
  marker: { content: /^$/, required: ['start', 'value'], optional: ['duration', 'completed', 'note'], enums: { completed: ['0', '1'] }, times: ['start', 'duration'] },
};

const TIME = /^(?:0|[1-9]\d*|[1-9]\d*\/[1-9]\d*)s$/;

function gcd(a: number, b: number): number {
  return b === 0 ? a : gcd(b, a % b);
}

/**
 * Checks a parsed FCPXML document against the rules above, plus: time values are reduced
 * fractions (`num/dens`, `Ns`), IDREFs (`format`, `ref`) resolve to an `id`, ids are unique.
 * Returns the problems found (empty when valid).
 */
export function validateFcpxml(root: XmlNode): string[] {
  const problems: string[] = [];
  const ids = new Set<string>();
  const refs: [string, string][] = [];
  const walk = (node: XmlNode, where: string): void => {
    const here = `${where}/${node.name}`;
    const rule = RULES[node.name];
    if (!rule) { problems.push(`${here}: element not in the DTD subset`); return; }
    const model = node.children.map((c) => `${c.name} `).join('');
    if (!rule.content.test(model)) problems.push(`${here}: children "${model.trim()}" do not match the content model`);
    if (node.text.trim() !== '') problems.push(`${here}: text content where the DTD allows none`);
    for (const a of rule.required) if (!(a in node.attrs)) problems.push(`${here}: required attribute ${a} missing`);
    for (const [a, v] of Object.entries(node.attrs)) {
      if (!rule.required.includes(a) && !rule.optional.includes(a)) problems.push(`${here}: attribute ${a} not declared`);
      const allowed = rule.enums?.[a];
      if (allowed && !allowed.includes(v)) problems.push(`${here}: ${a}="${v}" not one of ${allowed.join('|')}`);
      if (rule.times?.includes(a)) {
        if (!TIME.test(v)) problems.push(`${here}: ${a}="${v}" is not a time value`);
        const [n, d] = v.slice(0, -1).split('/').map(Number) as [number, number | undefined];
        if (d !== undefined && gcd(n, d) !== 1) problems.push(`${here}: ${a}="${v}" is not reduced`);
      }
    }
    if (node.attrs.id !== undefined) {
      if (ids.has(node.attrs.id)) problems.push(`${here}: duplicate id ${node.attrs.id}`);
      ids.add(node.attrs.id);
    }
    for (const a of ['format', 'ref']) if (node.attrs[a] !== undefined && node.name !== 'fcpxml') refs.push([here, node.attrs[a]!]);
    node.children.forEach((c) => walk(c, here));
  };
  walk(root, '');
  if (root.name !== 'fcpxml') problems.push(`root is <${root.name}>, not <fcpxml>`);
  for (const [where, ref] of refs) if (!ids.has(ref)) problems.push(`${where}: reference ${ref} has no element with that id`);
  return problems;
}
