import { PDFArray, PDFContext, PDFDict, PDFName, PDFNumber, PDFObjectParser, PDFParser, PDFRef, type PDFObject } from 'pdf-lib';

/** One page of a printed PDF: its object, its dictionary, and what it inherits from the page tree. */
export interface PrintedPage {
  ref: PDFRef;
  leaf: PDFDict;
  /** The page's content streams (references), in order. */
  streams: PDFObject[];
  /** The page's resources, its own or inherited. */
  resources: PDFDict;
  mediaBox: { x: number; y: number; width: number; height: number };
}

/** A printed PDF opened for an incremental update: the objects read so far, its pages, where its last xref starts. */
export interface PrintedPdf {
  context: PDFContext;
  pages: PrintedPage[];
  /** The offset of the file's last cross-reference section (the update's /Prev). */
  lastXref: number;
  /**
   * Whether an update can be appended with a plain cross-reference table: true for a plain-table file (Chromium's);
   * a file with an xref stream is written whole instead, since readers do not follow a table back to a stream.
   */
  appendable: boolean;
  /** The highest object number in the file: objects above it are new. */
  lastObject: number;
}

/**
 * Reads what stamping needs of a PDF (its trailer and page tree) through the cross-reference table, without
 * parsing the rest: a Chromium brief holds a thousand small objects (its tag tree), and parsing them all cost
 * some 50 ms an edition for objects a watermark never touches. A file whose cross-references are not a plain
 * table (a compressed xref stream, which Chromium does not write) is parsed whole instead, and not `appendable`.
 */
export async function readPrintedPdf(bytes: Uint8Array, file: string): Promise<PrintedPdf> {
  const lastXref = startXref(bytes, file);
  const table = xrefTable(bytes, lastXref);
  let context: PDFContext;
  let lookup: (object: PDFObject | undefined) => PDFObject | undefined;
  let isArrayAt: (ref: PDFRef) => boolean;
  if (table) {
    context = PDFContext.create();
    const { offsets, trailer } = table;
    context.trailerInfo = { Root: trailer.get(PDFName.of('Root')), Info: trailer.get(PDFName.of('Info')), ID: trailer.get(PDFName.of('ID')) };
    context.largestObjectNumber = Number((trailer.get(PDFName.of('Size')) as PDFNumber).asNumber()) - 1;
    lookup = (object) => {
      if (!(object instanceof PDFRef)) return object;
      const known = context.lookup(object);
      if (known) return known;
      const offset = offsets.get(object.objectNumber);
      if (offset === undefined) throw new Error(`${file}: object ${object.objectNumber} is not in the cross-reference table; print the brief again`);
      const parsed = objectAt(bytes, offset, context, file);
      context.assign(object, parsed);
      return parsed;
    };
    isArrayAt = (ref) => {
      const offset = offsets.get(ref.objectNumber);
      return offset !== undefined && /^\s*\d+\s+\d+\s+obj\s*\[/.test(Buffer.from(bytes.buffer, bytes.byteOffset + offset, Math.min(64, bytes.length - offset)).toString('latin1'));
    };
  } else {
    context = (await PDFParser.forBytesWithOptions(bytes, Infinity).parseDocument()) as PDFContext;
    lookup = (object) => (object instanceof PDFRef ? context.lookup(object) : object);
    isArrayAt = (ref) => context.lookup(ref) instanceof PDFArray;
  }
  const lastObject = context.largestObjectNumber;
  const catalog = lookup(context.trailerInfo.Root);
  if (!(catalog instanceof PDFDict)) throw new Error(`${file} has no document catalogue; print the brief again`);
  const pages: PrintedPage[] = [];
  // The page tree, depth first (the pages' order); Resources and MediaBox are inherited from the nodes above.
  const walk = (ref: PDFObject | undefined, inherited: { resources?: PDFObject; mediaBox?: PDFObject }) => {
    const node = lookup(ref);
    if (!(node instanceof PDFDict)) return;
    const here = { resources: node.get(PDFName.Resources) ?? inherited.resources, mediaBox: node.get(PDFName.MediaBox) ?? inherited.mediaBox };
    const kids = lookup(node.get(PDFName.of('Kids')));
    if (kids instanceof PDFArray) {
      for (const kid of kids.asArray()) walk(kid, here);
      return;
    }
    if (!(ref instanceof PDFRef)) throw new Error(`${file}: a page is not an indirect object; print the brief again`);
    const resources = lookup(here.resources);
    const box = lookup(here.mediaBox);
    const [x0, y0, x1, y1] = box instanceof PDFArray ? box.asArray().map((n) => Number((lookup(n) as PDFNumber).asNumber())) : [0, 0, 595.28, 841.89];
    // Contents: one stream, or an array of them (read only when the reference is to an array, not to a stream)
    const contents = node.get(PDFName.Contents);
    const list = contents instanceof PDFRef && isArrayAt(contents) ? lookup(contents) : contents;
    const streams = list instanceof PDFArray ? list.asArray() : list ? [list] : [];
    pages.push({ ref, leaf: node, streams, resources: resources instanceof PDFDict ? resources : context.obj({}), mediaBox: { x: x0!, y: y0!, width: x1! - x0!, height: y1! - y0! } });
  };
  walk(catalog.get(PDFName.of('Pages')), {});
  // the resources' XObject dictionary is copied into each stamped page: read it now if it is a separate object
  for (const p of pages) {
    const xobjects = p.resources.get(PDFName.XObject);
    if (xobjects instanceof PDFRef) lookup(xobjects);
  }
  return { context, pages, lastXref, lastObject, appendable: table !== undefined };
}

/** Where the file's last cross-reference section starts: the number after its final `startxref`. */
function startXref(pdf: Uint8Array, file: string): number {
  const tail = Buffer.from(pdf.buffer, pdf.byteOffset + Math.max(0, pdf.length - 1024), Math.min(1024, pdf.length)).toString('latin1');
  const match = /startxref\s+(\d+)\s+%%EOF\s*$/.exec(tail);
  if (!match) throw new Error(`${file} does not end with a cross-reference offset (startxref … %%EOF); print the brief again`);
  return Number(match[1]);
}

/**
 * The object offsets of a plain cross-reference table and the trailer that follows it, following /Prev to older
 * sections (a later section's entry wins); undefined when the offset does not start with `xref` (an xref stream).
 */
function xrefTable(pdf: Uint8Array, start: number): { offsets: Map<number, number>; trailer: PDFDict } | undefined {
  const offsets = new Map<number, number>();
  let trailer: PDFDict | undefined;
  const scratch = PDFContext.create();
  for (let at: number | undefined = start, seen = 0; at !== undefined && seen < 64; seen++) {
    const text = Buffer.from(pdf.buffer, pdf.byteOffset + at, pdf.length - at).toString('latin1');
    if (!text.startsWith('xref')) return undefined;
    const end = text.indexOf('trailer');
    if (end < 0) return undefined;
    const rows = text.slice(4, end).trim().split(/\r\n|\r|\n/);
    for (let i = 0; i < rows.length; ) {
      const [first, count] = rows[i]!.trim().split(/\s+/).map(Number);
      for (let k = 0; k < count!; k++) {
        const [offset, , kind] = rows[i + 1 + k]!.trim().split(/\s+/);
        const number = first! + k;
        if (kind === 'n' && !offsets.has(number)) offsets.set(number, Number(offset));
      }
      i += 1 + count!;
    }
    const dict = PDFObjectParser.forBytes(pdf.subarray(at + end + 'trailer'.length), scratch).parseObject();
    if (!(dict instanceof PDFDict)) return undefined;
    trailer ??= dict;
    const prev = dict.get(PDFName.of('Prev'));
    at = prev instanceof PDFNumber ? prev.asNumber() : undefined;
  }
  return trailer ? { offsets, trailer } : undefined;
}

/** The object written at `offset` (`N G obj … endobj`). */
function objectAt(pdf: Uint8Array, offset: number, context: PDFContext, file: string): PDFObject {
  const head = Buffer.from(pdf.buffer, pdf.byteOffset + offset, Math.min(64, pdf.length - offset)).toString('latin1');
  const match = /^\s*\d+\s+\d+\s+obj/.exec(head);
  if (!match) throw new Error(`${file}: no object at byte ${offset}, where its cross-reference table points; print the brief again`);
  return PDFObjectParser.forBytes(pdf.subarray(offset + match[0].length), context).parseObject();
}
