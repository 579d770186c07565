import { describe, expect, it } from 'vitest';
import { roundRate, scaleAmount, thousands } from '../pipeline/narrative/numbers.js';
import { monthLabel, monthSpan, previousMonth, ytdLabel, ytdSpan } from '../pipeline/narrative/periods.js';
import { budgetProgress, change, gain, percent, progressGap, pull, shareChange, signed, wan, yi, yoy } from '../pipeline/narrative/phrases.js';
import * as en from '../pipeline/narrative/phrases-en.js';

describe('amounts', () => {
  it('writes 元 in 亿元 exactly, rounding half away from zero on the decimal digits', () => {
    expect(yi('1123456000000.00')).toBe('11,234.56');
    expect(yi('1123456500000.00')).toBe('11,234.57'); // exactly half rounds up
    expect(yi('1123456499999.99')).toBe('11,234.56');
    expect(yi('-1234500000.00')).toBe('-12.35');
    expect(yi('0.00')).toBe('0.00');
    expect(yi('-400000.00')).toBe('0.00'); // rounds to zero: no "-0.00"
    expect(yi(98612000000)).toBe('986.12');
  });
  it('writes 万元 for county tables', () => {
    expect(wan('12345678.90')).toBe('1,234.57');
    expect(scaleAmount('5.00', 'wan', 4)).toBe('0.0005');
  });
  it('groups thousands only in the integer part', () => {
    expect(thousands('1234567.891')).toBe('1,234,567.891');
    expect(thousands('-999')).toBe('-999');
  });
  it('refuses what is not an amount', () => {
    expect(() => yi('12.345')).toThrow(/not an amount/);
    expect(() => yi('abc')).toThrow(/not an amount/);
  });
});

describe('rates', () => {
  it('rounds half away from zero despite binary representation', () => {
    expect(roundRate(1.25)).toBe('1.3');
    expect(roundRate(-1.25)).toBe('-1.3');
    expect(roundRate(0.05 * 3)).toBe('0.2'); // 0.15000000000000002
    expect(roundRate(-0.04)).toBe('0.0');
  });
  it('chooses the direction word by sign and prints the number positive', () => {
    expect(change(3.2)).toBe('增长3.2%');
    expect(change(-1.44)).toBe('下降1.4%');
    expect(change(0.049)).toBe('基本持平');
    expect(change(-0.049)).toBe('基本持平');
    expect(change(0.05)).toBe('增长0.1%');
    expect(yoy(5.26)).toBe('同比增长5.3%');
    expect(yoy(-2.1)).toBe('同比下降2.1%');
    expect(yoy(0)).toBe('与上年同期基本持平');
    expect(yoy(null)).toBe('上年同期无可比数据');
  });
  it('writes 增收/减收 in 亿元', () => {
    expect(gain('34890000000.00')).toBe('增收348.90亿元');
    expect(gain('-1234000000.00')).toBe('减收12.34亿元');
  });
  it('speaks of share changes and contributions in 百分点', () => {
    expect(shareChange(0.8)).toBe('提高0.8个百分点');
    expect(shareChange(-0.26)).toBe('降低0.3个百分点');
    expect(shareChange(0.01)).toBe('持平');
    expect(pull(1.23)).toBe('拉动全省税收增长1.2个百分点');
    expect(pull(-0.4)).toBe('下拉全省税收增长0.4个百分点');
    // rounds to 0.0: no "拉动…0.0个百分点"
    expect(pull(0.04)).toBe('对全省税收增长的影响不足0.1个百分点');
    expect(pull(-0.049, '制造业税收')).toBe('对制造业税收增长的影响不足0.1个百分点');
    expect(pull(0.05)).toBe('拉动全省税收增长0.1个百分点');
    expect(en.pull(0.04)).toBe('moving the growth of total revenue by less than 0.1 percentage points');
    expect(en.pull(-0.4)).toBe('taking 0.4 percentage points off the growth of total revenue');
    expect(percent(35.64)).toBe('35.6%');
    expect(signed(3.21)).toBe('+3.2');
    expect(signed(-1.4)).toBe('-1.4');
    expect(signed(0.01)).toBe('0.0');
  });
});

describe('periods', () => {
  it('writes months and year-to-date spans with an em dash', () => {
    expect(monthLabel('2026-10')).toBe('2026年10月');
    expect(ytdSpan('2026-10')).toBe('1—10月');
    expect(ytdSpan('2026-01')).toBe('1月');
    expect(ytdLabel('2026-03')).toBe('2026年1—3月');
    expect(previousMonth(new Date('2026-01-15T00:00:00Z'))).toBe('2025-12');
  });
});

describe('month of a period', () => {
  it('gives the month alone and its number (the issue number of a monthly brief)', async () => {
    const { monthOfYear, monthOnly } = await import('../pipeline/narrative/periods.js');
    expect(monthOnly('2026-10')).toBe('10月');
    expect(monthOnly('2026-01')).toBe('1月');
    expect(monthOfYear('2026-09')).toBe(9);
    expect(() => monthOfYear('2026-9')).toThrow(/is not a period/);
  });
});

describe('budget progress and runs of months', () => {
  it('compares 预算完成进度 with 时序进度 as printed, so the three numbers agree', () => {
    expect(budgetProgress(84.64, 83.333)).toBe('预算完成进度为84.6%，比时序进度（83.3%）快1.3个百分点');
    // 84.66 prints 84.7: the gap is 84.7 − 83.3 = 1.4, not round(1.327) = 1.3
    expect(budgetProgress(84.66, 83.333)).toBe('预算完成进度为84.7%，比时序进度（83.3%）快1.4个百分点');
    expect(budgetProgress(80.1, 83.333)).toBe('预算完成进度为80.1%，比时序进度（83.3%）慢3.2个百分点');
    expect(budgetProgress(83.31, 83.333)).toBe('预算完成进度为83.3%，与时序进度（83.3%）基本持平');
    expect(budgetProgress(null, 83.3)).toBe('');
    expect(progressGap(98.16, 83.333)).toBe('快14.9');
    expect(progressGap(80.1, 83.333)).toBe('慢3.2');
    expect(progressGap(83.3, 83.333)).toBe('持平');
  });

  it('names a run of months with an em dash, across years with both years', () => {
    expect(monthSpan('2026-08', '2026-10')).toBe('8—10月');
    expect(monthSpan('2025-11', '2026-01')).toBe('2025年11月—2026年1月');
    expect(monthSpan('2026-10', '2026-10')).toBe('10月');
  });
});
