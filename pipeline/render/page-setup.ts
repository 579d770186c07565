/** Page margins after GB/T 9704-2012 (top 37 mm, bottom 35 mm, left 28 mm, right 26 mm), as Chromium's pdf() takes them. */
export const OFFICIAL_MARGINS = { top: '37mm', bottom: '35mm', left: '28mm', right: '26mm' } as const;

// Header/footer templates are separate documents that Chromium draws inside the page margins with a
// tiny default font and some padding; everything is set explicitly here so they look the same
// whatever the brief's CSS says. They cannot load anything and may use only system fonts.
const BOX = (height: string) =>
  `<style>html,body{margin:0;padding:0}#header,#footer{padding:0!important;margin:0!important}` +
  `.tb{position:relative;width:100%;height:${height};-webkit-print-color-adjust:exact;` +
  `font-family:"Taxbrief Song","Noto Serif CJK SC","Noto Serif CJK",serif;color:#000}</style>`;

/** The classification mark (e.g. 内部资料 注意保存), top left, just above the text area, on every page. */
export function headerTemplate(classification: string): string {
  return (
    BOX(OFFICIAL_MARGINS.top) +
    `<div class="tb"><span style="position:absolute;left:${OFFICIAL_MARGINS.left};bottom:9mm;` +
    `font-family:'Taxbrief Hei','Noto Sans CJK SC','Noto Sans CJK',sans-serif;font-size:12pt;letter-spacing:0.1em">${escapeHtml(classification)}</span></div>`
  );
}

/** The page number as "— 1 —", centred, 7 mm under the text area (GB/T 9704 puts it there), in 四号 (14 pt) Song. */
export function footerTemplate(): string {
  return (
    BOX(OFFICIAL_MARGINS.bottom) +
    `<div class="tb"><div style="position:absolute;left:0;right:0;top:7mm;text-align:center;font-size:14pt;line-height:1">` +
    `—&emsp;<span class="pageNumber"></span>&emsp;—</div></div>`
  );
}

/** Escapes text for HTML content and attributes. */
export function escapeHtml(s: string): string {
  return s
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}
