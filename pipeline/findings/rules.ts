/**
 * The findings rules of the advisory brief (以税资政专报). Each rule reads finished query rows (no tax
 * arithmetic here: every figure is a column computed in SQL), decides whether it has something to say,
 * and returns one finding: a judgement, its evidence (each sentence keyed to the query it came from),
 * a recommendation that answers it, and a score used to rank findings:
 *   - contribution rules score the size of the move in 百分点 of the total's growth;
 *   - unusualness rules score the deviation scaled so that a clear signal (|z| = 3, a 10-point spread
 *     between cities, a 1-point comparable-basis gap) scores about 1–1.5, comparable with a strong contribution.
 * A rule can be switched off, or its threshold changed, in reports/<id>/report.json → findings.rules.
 */
import { englishName } from '../narrative/names-en.js';
import { percent, yi } from '../narrative/phrases.js';
import * as zh from '../narrative/phrases.js';
import * as en from '../narrative/phrases-en.js';
import type { Lang } from '../narrative/helpers.js';
import { roundRate } from '../narrative/numbers.js';
import { monthSpan } from '../narrative/periods.js';
import type { Row } from '../warehouse/warehouse.js';

/** One sentence of evidence and the query results (by the brief's query names) its figures come from. */
export interface Evidence { text: string; src: string[] }

/** A finding as printed: the judgement (bold), its evidence, and the recommendation that follows from it. */
/** `judgement` carries no final full stop: the template punctuates it. */
export interface Finding { rule: string; score: number; judgement: string; evidence: Evidence[]; recommendation: string }

/** A rule's switches in the report definition; any other key is a threshold the rule documents. */
export type RuleOptions = { enabled?: boolean } & Record<string, unknown>;

/** What a rule reads: the brief's query results by name, its language and its options. */
export interface RuleInput { data: Record<string, Row[] | Row>; lang: Lang; options: RuleOptions }

/** A findings rule: its id, what it looks for (for the appendix and the README), and the rule itself. */
export interface Rule { id: string; description: string; needs: string[]; derive(input: RuleInput): Finding | null }

const P = { zh, en } as const;
const rowsOf = (data: RuleInput['data'], name: string): Row[] => (Array.isArray(data[name]) ? (data[name] as Row[]) : []);
const rowOf = (data: RuleInput['data'], name: string): Row | undefined => (Array.isArray(data[name]) ? undefined : (data[name] as Row | undefined));
const n = (v: unknown): number => Number(v);
const nm = (lang: Lang, s: unknown) => (lang === 'en' ? englishName(String(s)) : String(s));
const opt = (o: RuleOptions, key: string, fallback: number) => (typeof o[key] === 'number' ? (o[key] as number) : fallback);
const byAbs = (field: string) => (a: Row, b: Row) => Math.abs(n(b[field])) - Math.abs(n(a[field]));
const hasNumber = (v: unknown) => v !== null && v !== undefined && Number.isFinite(Number(v));

/** The rules, in the order they are documented; report.json switches them by id. */
export const RULES: Rule[] = [
  {
    id: 'tax-driver',
    description: 'The tax type with the largest contribution (拉动) to the total\'s year-to-date growth; score = |contribution| in 百分点.',
    needs: ['byTax', 'headline'],
    derive({ data, lang }) {
      const top = rowsOf(data, 'byTax').filter((r) => r['is_total'] !== true && hasNumber(r['contribution_pp'])).sort(byAbs('contribution_pp'))[0];
      const head = rowOf(data, 'headline');
      if (!top || !head) return null;
      const p = P[lang];
      const up = n(top['contribution_pp']) >= 0;
      const name = nm(lang, top['tax_name']);
      return {
        rule: 'tax-driver',
        score: Math.abs(n(top['contribution_pp'])),
        judgement: lang === 'en'
          ? `${name} is the largest single ${up ? 'driver of' : 'drag on'} revenue growth this year`
          : `${name}${up ? '是拉动税收增长的主要税种' : '是拖累税收增长的主要因素'}`,
        evidence: [
          { text: lang === 'en'
            ? `${name}: ${yi(String(top['ytd_amount']))} (100 million yuan), ${p.change(n(top['yoy_pct']))}, ${p.pull(n(top['contribution_pp']))}.`
            : `${name}收入${yi(String(top['ytd_amount']))}亿元，${p.change(n(top['yoy_pct']))}，${p.pull(n(top['contribution_pp']))}。`, src: ['byTax'] },
          { text: lang === 'en'
            ? `Total revenue ${p.yoy(n(head['ytd_yoy_pct']))}.`
            : `全省税收收入${p.yoy(n(head['ytd_yoy_pct']))}。`, src: ['headline'] },
        ],
        recommendation: lang === 'en'
          ? (up ? `Track the sources of ${name} by industry and region, and judge how lasting the gain is before building it into the full-year forecast.` : `Identify the industries and regions behind the fall in ${name}, and plan for the gap it leaves in the full-year revenue.`)
          : (up ? `跟踪${name}增收的行业和地区来源，研判其可持续性，审慎纳入全年收入预测。` : `摸清${name}减收的行业和地区分布，提前研究弥补全年收入缺口的措施。`),
      };
    },
  },
  {
    id: 'industry-driver',
    description: 'The industry section with the largest contribution to the total\'s growth (其他 and 合计 excluded); score = |contribution| in 百分点.',
    needs: ['byIndustry'],
    derive({ data, lang }) {
      const top = rowsOf(data, 'byIndustry').filter((r) => r['is_total'] !== true && r['is_other'] !== true && hasNumber(r['contribution_pp'])).sort(byAbs('contribution_pp'))[0];
      if (!top) return null;
      const p = P[lang];
      const up = n(top['contribution_pp']) >= 0;
      const name = nm(lang, top['name']);
      return {
        rule: 'industry-driver',
        score: Math.abs(n(top['contribution_pp'])),
        judgement: lang === 'en'
          ? `${name} moves total revenue more than any other industry`
          : `${name}税收${up ? '增长对全省税收拉动作用最大' : '下降对全省税收拖累最大'}`,
        evidence: [
          { text: lang === 'en'
            ? `${name}: ${yi(String(top['ytd_amount']))} (100 million yuan), ${p.change(n(top['ytd_yoy_pct']))}, ${p.pull(n(top['contribution_pp']))}; its share is ${percent(n(top['share_pct']))}, ${p.shareChange(n(top['share_change_pp']))}.`
            : `${name}税收${yi(String(top['ytd_amount']))}亿元，${p.change(n(top['ytd_yoy_pct']))}，${p.pull(n(top['contribution_pp']))}；占全省税收的${percent(n(top['share_pct']))}，比上年同期${p.shareChange(n(top['share_change_pp']))}。`, src: ['byIndustry'] },
        ],
        recommendation: lang === 'en'
          ? `Follow ${name} closely with the departments concerned: its results now set the course of total revenue.`
          : `加强对${name}重点税源的监控分析，会同有关部门研判行业走势，及时提出稳税源的政策建议。`,
      };
    },
  },
  {
    id: 'city-divergence',
    description: 'Cities grow far apart: the gap between the fastest- and slowest-growing city\'s YoY is at least `min_spread_pp` (default 10); score = gap / 10.',
    needs: ['byCity'],
    derive({ data, lang, options }) {
      // revenue_breakdown by city: the cities themselves, not 其他 or 合计
      const cities = rowsOf(data, 'byCity').filter((r) => r['is_total'] !== true && r['is_other'] !== true && hasNumber(r['ytd_yoy_pct']))
        .sort((a, b) => n(b['ytd_yoy_pct']) - n(a['ytd_yoy_pct']));
      const fast = cities[0];
      const slow = cities.at(-1);
      if (!fast || !slow || fast === slow) return null;
      const gap = Number(roundRate(n(fast['ytd_yoy_pct']), 1)) - Number(roundRate(n(slow['ytd_yoy_pct']), 1));
      if (gap < opt(options, 'min_spread_pp', 10)) return null;
      const p = P[lang];
      return {
        rule: 'city-divergence',
        score: gap / 10,
        judgement: lang === 'en' ? 'Growth differs widely between cities' : '地市间税收增速分化明显',
        evidence: [
          { text: lang === 'en'
            ? `${nm(lang, fast['name'])} grew fastest (${p.change(n(fast['ytd_yoy_pct']))}); ${nm(lang, slow['name'])} slowest (${p.change(n(slow['ytd_yoy_pct']))}).`
            : `${fast['name']}增速最快，${p.change(n(fast['ytd_yoy_pct']))}；${slow['name']}增速最慢，${p.change(n(slow['ytd_yoy_pct']))}。`, src: ['byCity'] },
        ],
        recommendation: lang === 'en'
          ? `Look into the causes in the slowest cities (one-off items, relocations, policy effects) and support their revenue work.`
          : `对增速靠后的地市逐户分析减收原因（一次性因素、企业迁移、政策影响等），加强分类指导。`,
      };
    },
  },
  {
    id: 'anomaly',
    description: 'The strongest material unusual city × tax movement of the last months (revenue_anomalies: robust z of the 3-month sum against a seasonal baseline, ≥ 1亿元 and ≥ 1% of the city\'s revenue; |z| ≥ `min_z`, default 3.5); score = |z| / 3.',
    needs: ['anomalies'],
    derive({ data, lang, options }) {
      const top = rowsOf(data, 'anomalies').filter((r) => Math.abs(n(r['robust_z'])) >= opt(options, 'min_z', 3.5)).sort(byAbs('robust_z'))[0];
      if (!top) return null;
      const p = P[lang];
      const z = roundRate(Math.abs(n(top['robust_z'])));
      const city = nm(lang, top['city_name']);
      const tax = nm(lang, top['tax_name']);
      return {
        rule: 'anomaly',
        score: Math.abs(n(top['robust_z'])) / 3,
        judgement: lang === 'en' ? `${tax} in ${city} moved unusually in recent months` : `${city}${tax}近期${top['direction'] === '下降' ? '明显低于' : '明显高于'}历史规律`,
        evidence: [
          { text: lang === 'en'
            ? `${tax} in ${city}: ${yi(String(top['amount']))} (100 million yuan) in ${en.monthSpan(String(top['month_from']), String(top['period']))} against a seasonal baseline of ${yi(String(top['baseline']))}, ${p.change(n(top['deviation_pct']))}: ${z} robust standard deviations away.`
            : `${city}${tax}${monthSpan(String(top['month_from']), String(top['period']))}入库${yi(String(top['amount']))}亿元，比按历史规律推算的基准（${yi(String(top['baseline']))}亿元）${p.change(n(top['deviation_pct']))}，偏离${z}个稳健标准差，相当于该市同期税收的${percent(n(top['city_share_pct']))}。`, src: ['anomalies'] },
        ],
        recommendation: lang === 'en'
          ? `Ask the ${city} bureau to verify the entries behind this movement (large one-off payments or refunds, data errors) and report the cause.`
          : `请${city}税务局核实该项收入波动的具体原因（大额一次性入库或退库、数据差错等）并报告。`,
      };
    },
  },
  {
    id: 'relief-small-micro',
    description: 'Relief reaches small and micro firms: their share of year-to-date relief is at least `min_share_pct` (default 50); score = relief intensity (%) / 10.',
    needs: ['relief'],
    derive({ data, lang, options }) {
      const r = rowOf(data, 'relief');
      if (!r || !hasNumber(r['small_micro_share_pct']) || n(r['small_micro_share_pct']) < opt(options, 'min_share_pct', 50)) return null;
      const p = P[lang];
      return {
        rule: 'relief-small-micro',
        score: n(r['intensity_pct']) / 10,
        judgement: lang === 'en' ? 'Tax and fee relief keeps reaching small and micro firms' : '小微企业减税降费红利持续释放',
        evidence: [
          { text: lang === 'en'
            ? `Relief (new tax and fee cuts, refunds and deferrals) ${yi(String(r['ytd_amount']))} (100 million yuan) so far this year, ${p.change(n(r['ytd_yoy_pct']))}; small and micro firms received ${percent(n(r['small_micro_share_pct']))} of it; ${zh.percent(n(r['intensity_pct']))} relief intensity.`
            : `新增减税降费及退税缓费${yi(String(r['ytd_amount']))}亿元，${p.change(n(r['ytd_yoy_pct']))}，其中小微企业享受占比${percent(n(r['small_micro_share_pct']))}；减免强度${percent(n(r['intensity_pct']))}。`, src: ['relief'] },
        ],
        recommendation: lang === 'en'
          ? 'Keep the relief easy to claim (automatic eligibility checks, pre-filled returns) and watch for firms entitled to relief that do not claim it.'
          : '持续推行政策精准推送和“免申即享”，对应享未享的小微主体开展提醒辅导，确保政策红利应享尽享。',
      };
    },
  },
  {
    id: 'refund-factor',
    description: 'VAT credit refunds distort the headline: the comparable-basis growth differs from the headline by at least `min_gap_pp` (default 1); score = gap in 百分点.',
    needs: ['headline'],
    derive({ data, lang, options }) {
      const h = rowOf(data, 'headline');
      if (!h || h['has_refund_factor'] !== true || !hasNumber(h['ytd_comparable_yoy_pct'])) return null;
      const gap = Math.abs(Number(roundRate(n(h['ytd_comparable_yoy_pct']))) - Number(roundRate(n(h['ytd_yoy_pct']))));
      if (gap < opt(options, 'min_gap_pp', 1)) return null;
      const p = P[lang];
      return {
        rule: 'refund-factor',
        score: gap,
        judgement: lang === 'en' ? 'VAT credit refunds change the picture of revenue growth' : '留抵退税因素对收入增速影响较大',
        evidence: [
          { text: lang === 'en'
            ? `Revenue ${p.yoy(n(h['ytd_yoy_pct']))}; with VAT credit refunds added back in both years it is ${p.change(n(h['ytd_comparable_yoy_pct']))}. Refunds this year: ${yi(String(h['ytd_refund']))} (100 million yuan), against ${yi(String(h['ytd_refund_prev']))} a year earlier.`
            : `全省税收收入${p.yoy(n(h['ytd_yoy_pct']))}，扣除留抵退税因素后${p.change(n(h['ytd_comparable_yoy_pct']))}；今年以来办理留抵退税${yi(String(h['ytd_refund']))}亿元，上年同期为${yi(String(h['ytd_refund_prev']))}亿元。`, src: ['headline'] },
        ],
        recommendation: lang === 'en'
          ? 'Quote the comparable-basis rate beside the headline when reporting, and plan refunds month by month with the treasury.'
          : '对外通报收入情况时同时说明可比口径增幅；会同国库部门做好留抵退税资金按月调度。',
      };
    },
  },
];

/** The findings part of a report definition: bounds on how many are printed, and each rule's switches. */
export interface FindingsConfig { min?: number; max?: number; rules?: Record<string, RuleOptions> }

/** The findings a brief prints and those its rules produced but were not printed (with why). */
export interface FindingsResult { printed: Finding[]; dropped: { rule: string; reason: string }[] }

/**
 * Runs every enabled rule, drops findings without evidence, ranks the rest by score (ties by rule
 * order) and keeps at most `max` (default 5).
 */
export function deriveFindings(config: FindingsConfig, data: RuleInput['data'], lang: Lang): FindingsResult {
  const dropped: FindingsResult['dropped'] = [];
  const found: Finding[] = [];
  for (const rule of RULES) {
    const options = config.rules?.[rule.id] ?? {};
    if (options.enabled === false) {
      dropped.push({ rule: rule.id, reason: 'switched off in the definition' });
      continue;
    }
    if (!rule.needs.every((name) => name in data)) {
      dropped.push({ rule: rule.id, reason: `the brief runs no ${rule.needs.filter((name) => !(name in data)).join(', ')} query` });
      continue;
    }
    const f = rule.derive({ data, lang, options });
    if (!f) dropped.push({ rule: rule.id, reason: 'nothing to report (below its threshold)' });
    else if (f.evidence.length === 0 || f.evidence.some((e) => e.src.length === 0)) dropped.push({ rule: rule.id, reason: 'no evidence' });
    else found.push(f);
  }
  const ranked = found.map((f, i) => ({ f, i })).sort((a, b) => b.f.score - a.f.score || a.i - b.i).map((x) => x.f);
  const max = config.max ?? 5;
  for (const f of ranked.slice(max)) dropped.push({ rule: f.rule, reason: `ranked below the first ${max}` });
  return { printed: ranked.slice(0, max), dropped };
}
