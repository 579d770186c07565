import { readFileSync } from 'node:fs';
import { ParseSpeeds, PDFArray, PDFDict, PDFDocument, PDFName, PDFObjectCopier, PDFPageEmbedder, type PDFContext, type PDFObject, type PDFRef } from 'pdf-lib';
import { writeAtomic } from '../write-atomic.js';

/** Pages printed once to be laid over other PDFs (one recipient's watermark a page), parsed once. */
export interface Overlays { doc: PDFDocument; pages: number }

/** Reads a PDF of overlay pages (printed by Chromium with `overlay: true`: transparent, no margins). */
export async function readOverlays(file: string): Promise<Overlays> {
  const doc = await PDFDocument.load(readFileSync(file), { updateMetadata: false, parseSpeed: ParseSpeeds.Fastest });
  return { doc, pages: doc.getPageCount() };
}

/** A printed brief parsed once, onto which one overlay page at a time is stamped. */
export interface StampableBrief {
  /** Writes the brief with overlay page `page` drawn over every page to `outFile` (atomically). */
  stampTo(overlays: Overlays, page: number, outFile: string): Promise<void>;
}

const XOBJECT = PDFName.of('TaxbriefWatermark');

/**
 * Opens a printed PDF for stamping. The brief is parsed once however many copies are stamped:
 * each copy adds the overlay's objects, is saved, and then those objects are removed again and the
 * page dictionaries restored, so a copy never carries another recipient's overlay and is the same
 * bytes whichever copies were stamped before it.
 *
 * A copy is the printed file, byte for byte, followed by an incremental update (PDF 32000-1 §7.5.6):
 * the overlay's objects, the pages that now draw it, and a cross-reference section for those alone.
 * Writing the whole document again for each recipient cost some 20 ms a copy in pdf-lib's writer
 * (Chromium's tagged PDFs hold a thousand small objects); the update costs about one.
 */
export async function openForStamping(file: string): Promise<StampableBrief> {
  const printed = readFileSync(file);
  const doc = await PDFDocument.load(printed, { updateMetadata: false, parseSpeed: ParseSpeeds.Fastest });
  const { context } = doc;
  const lastXref = startXref(printed, file);
  // objects numbered above this are not in the printed file: a copy's update carries them
  const printedObjects = context.largestObjectNumber;
  // The brief's content is wrapped in q … Q so whatever graphics state it leaves, the overlay starts clean.
  // These are the context's own cached q and Q streams (the page embedder uses them too): made
  // before the baseline, so they survive the clean-up after each copy.
  const push = context.getPushGraphicsStateContentStream();
  const pop = context.getPopGraphicsStateContentStream();
  const baseline = context.largestObjectNumber;
  const pages = doc.getPages().map((page) => {
    const leaf = page.node;
    const contents = leaf.get(PDFName.Contents);
    const resolved = contents ? context.lookup(contents) : undefined;
    const streams: PDFObject[] = resolved instanceof PDFArray ? resolved.asArray() : contents ? [contents] : [];
    const resources = context.lookupMaybe(leaf.getInheritableAttribute(PDFName.Resources), PDFDict) ?? context.obj({});
    const [x0, y0, x1, y1] = leaf.MediaBox().asArray().map((n) => Number(context.lookup(n)?.toString()));
    return { ref: page.ref, leaf, own: { contents, resources: leaf.get(PDFName.Resources) }, streams, resources, box: { x: x0!, y: y0!, width: x1! - x0!, height: y1! - y0! } };
  });

  return {
    async stampTo(overlays, index, outFile) {
      try {
        // The overlay page becomes a form XObject of this document (its fonts copied with it);
        // done on the context, not through doc.embedPdf, so nothing of it outlives this copy.
        const embedder = await PDFPageEmbedder.for(PDFObjectCopier.for(overlays.doc.context, context).copy(overlays.doc.getPage(index).node));
        const overlay = await embedder.embedIntoContext(context);
        for (const p of pages) {
          const { x, y, width, height } = p.box;
          const draw = context.register(context.stream(`q ${num(width / embedder.width)} 0 0 ${num(height / embedder.height)} ${num(x)} ${num(y)} cm ${XOBJECT.asString()} Do Q`));
          p.leaf.set(PDFName.Contents, context.obj([push, ...p.streams, pop, draw]));
          const resources = context.obj({});
          for (const [k, v] of p.resources.entries()) resources.set(k, v);
          const xobjects = context.obj({});
          for (const [k, v] of p.resources.lookupMaybe(PDFName.XObject, PDFDict)?.entries() ?? []) xobjects.set(k, v);
          xobjects.set(XOBJECT, overlay);
          resources.set(PDFName.XObject, xobjects);
          p.leaf.set(PDFName.Resources, resources);
        }
        const changed = context.enumerateIndirectObjects().filter(([ref]) => ref.objectNumber > printedObjects);
        for (const p of pages) changed.push([p.ref, p.leaf]);
        writeAtomic(outFile, Buffer.concat([printed, incrementalUpdate(context, changed, printed.length, lastXref)]));
      } finally {
        for (const p of pages) {
          restore(p.leaf, PDFName.Contents, p.own.contents);
          restore(p.leaf, PDFName.Resources, p.own.resources);
        }
        for (const [ref] of context.enumerateIndirectObjects()) if (ref.objectNumber > baseline) context.delete(ref);
        context.largestObjectNumber = baseline;
      }
    },
  };
}

/**
 * The bytes appended to a PDF of `size` bytes whose last cross-reference section starts at `prev`: the objects given
 * (new ones, and new versions of old ones), one cross-reference subsection per object, and a trailer pointing back.
 */
function incrementalUpdate(context: PDFContext, objects: [PDFRef, PDFObject][], size: number, prev: number): Buffer {
  const parts: Buffer[] = [Buffer.from('\n')];
  let offset = size + 1;
  const xref: string[] = ['xref\n'];
  for (const [ref, object] of objects.sort(([a], [b]) => a.objectNumber - b.objectNumber)) {
    const body = new Uint8Array(object.sizeInBytes());
    object.copyBytesInto(body, 0);
    const bytes = Buffer.concat([Buffer.from(`${ref.objectNumber} ${ref.generationNumber} obj\n`), body, Buffer.from('\nendobj\n')]);
    // each entry exactly 20 bytes: 10-digit offset, 5-digit generation, n, and a two-byte end of line
    xref.push(`${ref.objectNumber} 1\n${String(offset).padStart(10, '0')} ${String(ref.generationNumber).padStart(5, '0')} n\r\n`);
    parts.push(bytes);
    offset += bytes.length;
  }
  const { Root, Info, ID } = context.trailerInfo;
  const trailer = context.obj({ Size: context.largestObjectNumber + 1, Root, ...(Info ? { Info } : {}), ...(ID ? { ID } : {}), Prev: prev });
  parts.push(Buffer.from(`${xref.join('')}trailer\n${trailer.toString()}\nstartxref\n${offset}\n%%EOF\n`));
  return Buffer.concat(parts);
}

/** Where the file's last cross-reference section starts: the number after its final `startxref`. */
function startXref(pdf: Buffer, file: string): number {
  const tail = pdf.subarray(Math.max(0, pdf.length - 1024)).toString('latin1');
  const match = /startxref\s+(\d+)\s+%%EOF\s*$/.exec(tail);
  if (!match) throw new Error(`${file} does not end with a cross-reference offset (startxref … %%EOF); print the brief again`);
  return Number(match[1]);
}

function restore(dict: PDFDict, key: PDFName, value: PDFObject | undefined): void {
  if (value === undefined) dict.delete(key);
  else dict.set(key, value);
}

// PDF numbers: no exponent, a few decimals.
const num = (n: number) => (Number.isInteger(n) ? String(n) : n.toFixed(6).replace(/0+$/, ''));
