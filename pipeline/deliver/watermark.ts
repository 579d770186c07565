import { escapeHtml } from '../render/page-setup.js';

/** Who a copy is for: printed diagonally on every page of their PDF. */
export interface WatermarkFor { name: string; id: string; classification: string }

/** The watermark line: 仅供张三阅 · R001 · 内部资料 注意保存. */
export function watermarkText(w: WatermarkFor): string {
  return `仅供${w.name}阅 · ${w.id} · ${w.classification}`;
}

/**
 * Adds the recipient's watermark to a brief's HTML. A `position: fixed` element is repeated by
 * Chromium on every printed page; it is light grey, diagonal, behind nothing the reader needs
 * (pointer-events none, printed over the text at low contrast so it survives a photocopy).
 */
export function addWatermark(html: string, w: WatermarkFor): string {
  const text = escapeHtml(watermarkText(w));
  const block =
    `<style>.tb-watermark{position:fixed;left:0;top:0;width:100%;height:100%;pointer-events:none;z-index:2147483647;overflow:hidden}` +
    `.tb-watermark div{position:absolute;left:-10%;width:120%;text-align:center;transform:rotate(-30deg);` +
    `font-family:"Noto Sans CJK SC","Noto Sans CJK",sans-serif;font-size:22pt;letter-spacing:0.15em;color:rgba(0,0,0,0.16);` +
    `-webkit-print-color-adjust:exact;print-color-adjust:exact;white-space:nowrap}</style>` +
    `<div class="tb-watermark" aria-hidden="true"><div style="top:22%">${text}</div><div style="top:58%">${text}</div></div>`;
  const at = html.lastIndexOf('</body>');
  return at < 0 ? `${html}${block}` : `${html.slice(0, at)}${block}${html.slice(at)}`;
}
