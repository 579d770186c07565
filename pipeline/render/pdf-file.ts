
/**
 * Counts the pages of a PDF written by Chromium (Skia): one `/Type /Page` dictionary per page,
 * uncompressed (Skia does not use object streams). `/Type /Pages` tree nodes are not counted.
 */
export function countPdfPages(pdf: Uint8Array): number {
  const text = Buffer.from(pdf.buffer, pdf.byteOffset, pdf.byteLength).toString('latin1');
  return text.match(/\/Type\s*\/Page(?![A-Za-z])/g)?.length ?? 0;
}

