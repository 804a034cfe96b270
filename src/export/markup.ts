// Escaping and serialisation shared by the text formats: XML elements (HTML, FCP7 XML, FCPXML) and CSV rows.

const XML_ESCAPES: Readonly<Record<string, string>> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/**
 * Escapes text for XML/HTML element content and double- or single-quoted attributes. Control
 * characters that XML 1.0 forbids (all below U+0020 but tab, LF, CR) are dropped, so text from
 * an analysis can never make a document unreadable.
 */
export function escapeXml(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/[\x00-\x08\x0b\x0c\x0e-\x1f]/g, '').replace(/[&<>"']/g, (c) => XML_ESCAPES[c] ?? c);
}

/** Attribute values of an {@link XmlElement}; `undefined` leaves the attribute out. */
export type XmlAttributes = Readonly<Record<string, string | number | undefined>>;

/** One XML element: its name, attributes (in writing order) and children (elements or text). */
export interface XmlElement {
  readonly name: string;
  readonly attributes: XmlAttributes;
  readonly children: ReadonlyArray<XmlElement | string>;
}

/** Builds an element; children that are `undefined` or `false` are skipped (for optional parts). */
export function xml(name: string, attributes: XmlAttributes = {}, ...children: ReadonlyArray<XmlElement | string | number | undefined | false>): XmlElement {
  const kept: (XmlElement | string)[] = [];
  for (const child of children) {
    if (child === undefined || child === false) continue;
    kept.push(typeof child === 'number' ? String(child) : child);
  }
  return { name, attributes, children: kept };
}

function openTag(element: XmlElement): string {
  let text = `<${element.name}`;
  for (const [key, value] of Object.entries(element.attributes)) {
    if (value !== undefined) text += ` ${key}="${escapeXml(String(value))}"`;
  }
  return text;
}

function writeElement(element: XmlElement, depth: number, out: string[]): void {
  const indent = '  '.repeat(depth);
  const open = openTag(element);
  if (element.children.length === 0) {
    out.push(`${indent}${open}/>`);
  } else if (element.children.every((c) => typeof c === 'string')) {
    out.push(`${indent}${open}>${(element.children as string[]).map(escapeXml).join('')}</${element.name}>`);
  } else {
    out.push(`${indent}${open}>`);
    for (const child of element.children) {
      if (typeof child === 'string') out.push(`${indent}  ${escapeXml(child)}`);
      else writeElement(child, depth + 1, out);
    }
    out.push(`${indent}</${element.name}>`);
  }
}

/**
 * Serialises a document: the XML declaration, an optional `<!DOCTYPE name>` line, then the root,
 * two-space indented, text-only elements on one line. Ends with a newline.
 */
export function renderXmlDocument(root: XmlElement, doctype?: string): string {
  const out = ['<?xml version="1.0" encoding="UTF-8"?>'];
  if (doctype !== undefined) out.push(`<!DOCTYPE ${doctype}>`);
  writeElement(root, 0, out);
  return `${out.join('\n')}\n`;
}

/** One RFC 4180 CSV line (no line break): fields with a comma, quote or line break are quoted. */
export function csvRow(fields: ReadonlyArray<string | number>): string {
  return fields.map((f) => {
    const text = String(f);
    return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
  }).join(',');
}
