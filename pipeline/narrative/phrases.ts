import { roundRate, scaleAmount, thousands, type Yuan } from './numbers.js';

/** Below this absolute growth rate (in %) a change is said to be flat: 基本持平. */
export const FLAT_BELOW_PCT = 0.05;

/** "11,234.56" — an amount in 元 written in 亿元 with 2 decimals. */
export function yi(amount: Yuan | null | undefined): string {
  if (amount === null || amount === undefined) return '—';
  return thousands(scaleAmount(amount, 'yi'));
}

/** "1,234.56" — an amount in 元 written in 万元 with 2 decimals (county tables). */
export function wan(amount: Yuan | null | undefined): string {
  if (amount === null || amount === undefined) return '—';
  return thousands(scaleAmount(amount, 'wan'));
}

/** "增长3.2%" / "下降2.1%" / "基本持平": direction word chosen by sign, number then positive. */
export function change(pct: number | null | undefined): string {
  if (pct === null || pct === undefined || !Number.isFinite(pct)) return '无可比数据';
  if (Math.abs(pct) < FLAT_BELOW_PCT) return '基本持平';
  return `${pct > 0 ? '增长' : '下降'}${roundRate(Math.abs(pct))}%`;
}

/** "同比增长3.2%" / "同比下降2.1%" / "与上年同期基本持平". */
export function yoy(pct: number | null | undefined): string {
  const c = change(pct);
  if (c === '基本持平') return '与上年同期基本持平';
  if (c === '无可比数据') return '上年同期无可比数据';
  return `同比${c}`;
}

/** "增收12.34亿元" / "减收12.34亿元": the absolute difference in 亿元. */
export function gain(diff: Yuan): string {
  const scaled = scaleAmount(diff, 'yi');
  const negative = scaled.startsWith('-');
  return `${negative ? '减收' : '增收'}${thousands(negative ? scaled.slice(1) : scaled)}亿元`;
}

/** "35.6%": a share or rate, 1 decimal. */
export function percent(pct: number | null | undefined): string {
  return pct === null || pct === undefined || !Number.isFinite(pct) ? '—' : `${roundRate(pct)}%`;
}

/** "35.6": a rate for tables, 1 decimal, no sign and no unit (the header carries it). */
export function fixed(value: number | null | undefined, digits = 1): string {
  return value === null || value === undefined || !Number.isFinite(value) ? '—' : roundRate(value, digits);
}

/** "+3.2" / "-1.4": a signed rate for tables (the header carries the unit). */
export function signed(value: number | null | undefined, digits = 1): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return '—';
  const r = roundRate(value, digits);
  return Number(r) > 0 ? `+${r}` : r;
}

/** "提高0.8个百分点" / "降低0.3个百分点" / "持平": a change of share, always in 百分点, read after "比上年同期". */
export function shareChange(pp: number | null | undefined): string {
  if (pp === null || pp === undefined || !Number.isFinite(pp)) return '无可比数据';
  const r = roundRate(Math.abs(pp));
  if (Number(r) === 0) return '持平'; // "比上年同期持平"
  return `${pp > 0 ? '提高' : '降低'}${r}个百分点`;
}

/**
 * "拉动…增长1.2个百分点" / "下拉…0.4个百分点": a contribution to growth, `what` names the total; one that rounds to
 * 0.0 reads "对…增长的影响不足0.1个百分点" (never "拉动…0.0个百分点").
 */
export function pull(pp: number | null | undefined, what = '全省税收'): string {
  if (pp === null || pp === undefined || !Number.isFinite(pp)) return '';
  const r = roundRate(Math.abs(pp));
  if (Number(r) === 0) return `对${what}增长的影响不足0.1个百分点`;
  return pp >= 0 ? `拉动${what}增长${r}个百分点` : `下拉${what}增长${r}个百分点`;
}

/**
 * "预算完成进度为84.6%，比时序进度（83.3%）快1.3个百分点" (or 慢…, or 与时序进度（…）基本持平). The gap is taken
 * between the two rates as printed, so the sentence's three numbers agree with each other.
 */
export function budgetProgress(progressPct: number | null | undefined, timePct: number | null | undefined): string {
  if (progressPct === null || progressPct === undefined || !Number.isFinite(progressPct) || timePct === null || timePct === undefined) return '';
  const gap = Number(roundRate(progressPct)) - Number(roundRate(timePct));
  const r = roundRate(Math.abs(gap));
  if (Number(r) === 0) return `预算完成进度为${percent(progressPct)}，与时序进度（${percent(timePct)}）基本持平`;
  return `预算完成进度为${percent(progressPct)}，比时序进度（${percent(timePct)}）${gap > 0 ? '快' : '慢'}${r}个百分点`;
}

/** "快1.3" / "慢0.5" / "持平": a budget-progress gap for tables, from the two rates as printed. */
export function progressGap(progressPct: number | null | undefined, timePct: number | null | undefined): string {
  if (progressPct === null || progressPct === undefined || !Number.isFinite(progressPct) || timePct === null || timePct === undefined) return '—';
  const gap = Number(roundRate(progressPct)) - Number(roundRate(timePct));
  const r = roundRate(Math.abs(gap));
  return Number(r) === 0 ? '持平' : `${gap > 0 ? '快' : '慢'}${r}`;
}

/** True when a rate is negative once rounded for print (for marking cells). */
export function isDecline(pct: number | null | undefined): boolean {
  return typeof pct === 'number' && Number(roundRate(pct)) < 0;
}

/** "高于基准3.2个稳健标准差" / "低于基准3.3个稳健标准差": a signal's deviation from its baseline, by sign. */
export function deviation(z: number | null | undefined): string {
  if (z === null || z === undefined || !Number.isFinite(z)) return '';
  return `${z >= 0 ? '高于' : '低于'}基准${roundRate(Math.abs(z))}个稳健标准差`;
}
