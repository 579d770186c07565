import { readFileSync } from 'node:fs';
import { ParseSpeeds, PDFDict, PDFDocument, PDFName, PDFObjectCopier, PDFPageEmbedder, PDFWriter, type PDFContext, type PDFObject, type PDFRef } from 'pdf-lib';
import { readPrintedPdf } from './printed-pdf.js';
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
 * the overlay's objects, the pages that now draw it, and a cross-reference section for those alone
 * (a file with an xref stream, which Chromium does not write, is written whole).
 * Writing the whole document again for each recipient cost some 20 ms a copy in pdf-lib's writer
 * (Chromium's tagged PDFs hold a thousand small objects); the update costs about one.
 */
export async function openForStamping(file: string): Promise<StampableBrief> {
  const printed = readFileSync(file);
  const { context, pages: read, lastXref, lastObject, appendable } = await readPrintedPdf(printed, file);
  // The brief's content is wrapped in q … Q so whatever graphics state it leaves, the overlay starts clean.
  // These are the context's own cached q and Q streams (the page embedder uses them too): made
  // before the baseline, so they survive the clean-up after each copy.
  const push = context.getPushGraphicsStateContentStream();
  const pop = context.getPopGraphicsStateContentStream();
  const baseline = context.largestObjectNumber;
  // each page's own Contents and Resources entries, put back after every copy
  const pages = read.map((page) => ({ ...page, own: { contents: page.leaf.get(PDFName.Contents), resources: page.leaf.get(PDFName.Resources) } }));

  return {
    async stampTo(overlays, index, outFile) {
      try {
        // The overlay page becomes a form XObject of this document (its fonts copied with it);
        // done on the context, not through doc.embedPdf, so nothing of it outlives this copy.
        const embedder = await PDFPageEmbedder.for(PDFObjectCopier.for(overlays.doc.context, context).copy(overlays.doc.getPage(index).node));
        const overlay = await embedder.embedIntoContext(context);
        for (const p of pages) {
          const { x, y, width, height } = p.mediaBox;
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
        const changed = context.enumerateIndirectObjects().filter(([ref]) => ref.objectNumber > lastObject);
        for (const p of pages) changed.push([p.ref, p.leaf]);
        writeAtomic(
          outFile,
          appendable ? Buffer.concat([printed, incrementalUpdate(context, changed, printed.length, lastXref)]) : await PDFWriter.forContext(context, Infinity).serializeToBuffer(),
        );
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

function restore(dict: PDFDict, key: PDFName, value: PDFObject | undefined): void {
  if (value === undefined) dict.delete(key);
  else dict.set(key, value);
}

// PDF numbers: no exponent, a few decimals.
const num = (n: number) => (Number.isInteger(n) ? String(n) : n.toFixed(6).replace(/0+$/, ''));
