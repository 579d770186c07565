import type { Lang } from '../narrative/helpers.js';
import { escapeHtml } from '../render/page-setup.js';

/** Who a copy is for, in the language of the edition (default Chinese): printed diagonally on every page of their PDF. */
export interface WatermarkFor { name: string; id: string; classification: string; lang?: Lang }

/** The watermark line: 仅供张三阅 · R001 · 内部资料 注意保存, or in an English edition For 王五 only · R003 · INTERNAL — HANDLE WITH CARE. */
export function watermarkText(w: WatermarkFor): string {
  return w.lang === 'en' ? `For ${w.name} only · ${w.id} · ${w.classification}` : `仅供${w.name}阅 · ${w.id} · ${w.classification}`;
}

/**
 * One A4 page per recipient, in order, holding nothing but their watermark: light grey, diagonal,
 * twice a page, on a transparent background. Chromium prints it once (`overlay: true`, fonts
 * embedded there) and deliver/stamp.ts lays page i over every page of recipient i's copy, so the
 * text stays extractable and a copy costs no second print of the brief.
 */
export function watermarkPages(recipients: WatermarkFor[]): string {
  const page = (w: WatermarkFor) => {
    const text = escapeHtml(watermarkText(w));
    // English runs about half again as wide as Chinese: a smaller size keeps the line whole on the diagonal
    const cls = w.lang === 'en' ? 'tb-watermark en' : 'tb-watermark';
    return `<section class="${cls}"><div style="top:22%">${text}</div><div style="top:58%">${text}</div></section>`;
  };
  return (
    `<!doctype html><html data-brief="watermarks"><head><meta charset="utf-8"><style>` +
    `@page{size:A4;margin:0}html,body{margin:0;padding:0;background:transparent}` +
    `.tb-watermark{position:relative;width:210mm;height:297mm;overflow:hidden;break-after:page}.tb-watermark:last-child{break-after:auto}` +
    `.tb-watermark div{position:absolute;left:-10%;width:120%;text-align:center;transform:rotate(-30deg);` +
    `font-family:"Noto Sans CJK SC","Noto Sans CJK",sans-serif;font-size:22pt;letter-spacing:0.15em;color:rgba(0,0,0,0.16);` +
    `-webkit-print-color-adjust:exact;print-color-adjust:exact;white-space:nowrap}.tb-watermark.en div{font-size:15pt;letter-spacing:0.08em}</style></head>` +
    `<body>${recipients.map(page).join('')}</body></html>`
  );
}
