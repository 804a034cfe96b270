// A small, strict XML reader for the exporter tests: elements, attributes, text and entities, nothing else.

/** One parsed element. `text` is its own text content (entities decoded, children's text excluded). */
export interface XmlNode {
  readonly name: string;
  readonly attrs: Readonly<Record<string, string>>;
  readonly children: XmlNode[];
  text: string;
}

const ENTITIES: Readonly<Record<string, string>> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

function decode(text: string): string {
  return text.replace(/&(#x[0-9a-f]+|#\d+|\w+);/gi, (whole, ref: string) => {
    if (ref.startsWith('#x') || ref.startsWith('#X')) return String.fromCodePoint(parseInt(ref.slice(2), 16));
    if (ref.startsWith('#')) return String.fromCodePoint(Number(ref.slice(1)));
    const value = ENTITIES[ref];
    if (value === undefined) throw new Error(`unknown entity ${whole}`);
    return value;
  });
}

/** Parses a whole document and returns its root element; throws on anything malformed. */
export function parseXml(source: string): XmlNode {
  let i = 0;
  const stack: XmlNode[] = [];
  let root: XmlNode | undefined;
  const fail = (why: string): never => { throw new Error(`XML: ${why} at offset ${i}`); };
  while (i < source.length) {
    if (source.startsWith('<?', i)) { const end = source.indexOf('?>', i); if (end < 0) fail('unterminated <?'); i = end + 2; continue; }
    if (source.startsWith('<!--', i)) { const end = source.indexOf('-->', i); if (end < 0) fail('unterminated comment'); i = end + 3; continue; }
    if (source.startsWith('<!DOCTYPE', i)) { if (root || stack.length) fail('late DOCTYPE'); i = source.indexOf('>', i) + 1; continue; }
    if (source.startsWith('</', i)) {
      const m = /^<\/([\w:.-]+)\s*>/.exec(source.slice(i, i + 200));
      if (!m) fail('bad end tag');
      const open = stack.pop();
      if (!open || open.name !== m![1]) fail(`</${m![1]}> does not close <${open?.name}>`);
      i += m![0].length;
      continue;
    }
    if (source[i] === '<') {
      const end = source.indexOf('>', i);
      if (end < 0) fail('unterminated tag');
      const tag = source.slice(i + 1, end);
      const selfClosing = tag.endsWith('/');
      const m = /^([\w:.-]+)((?:\s+[\w:.-]+="[^"<]*")*)\s*\/?$/.exec(tag);
      if (!m) fail(`bad tag <${tag}>`);
      const attrs: Record<string, string> = {};
      for (const a of m![2]!.matchAll(/([\w:.-]+)="([^"]*)"/g)) {
        if (a[1]! in attrs) fail(`duplicate attribute ${a[1]}`);
        attrs[a[1]!] = decode(a[2]!);
      }
      const node: XmlNode = { name: m![1]!, attrs, children: [], text: '' };
      const parent = stack.at(-1);
      if (parent) parent.children.push(node);
      else if (root) fail('second root element');
      else root = node;
      if (!selfClosing) stack.push(node);
      i = end + 1;
      continue;
    }
    const next = source.indexOf('<', i);
    const text = source.slice(i, next < 0 ? source.length : next);
    const parent = stack.at(-1);
    if (parent) parent.text += decode(text);
    else if (text.trim() !== '') fail('text outside the root');
    i = next < 0 ? source.length : next;
  }
  if (stack.length > 0 || !root) fail('unclosed elements');
  return root!;
}

/** The element's children called `name`. */
export function kids(node: XmlNode, name: string): XmlNode[] {
  return node.children.filter((c) => c.name === name);
}

/** The one child called `name`; throws when there is none. */
export function kid(node: XmlNode, name: string): XmlNode {
  const found = node.children.find((c) => c.name === name);
  if (!found) throw new Error(`<${node.name}> has no <${name}>`);
  return found;
}

/** The trimmed text of the child called `name`. */
export function kidText(node: XmlNode, name: string): string {
  return kid(node, name).text.trim();
}
