import { describe, expect, it } from 'vitest';
import { readReports, selectReports } from '../pipeline/reports.js';
import { projectPaths } from '../pipeline/workspace.js';

const catalogue = readReports(projectPaths().reports);

describe('selectReports (run --select)', () => {
  it('keeps the whole catalogue when nothing is selected', () => {
    expect(selectReports(catalogue, undefined).map((r) => r.id)).toEqual(['advisory', 'city', 'industry', 'monthly-revenue', 'relief']);
    expect(selectReports(catalogue, []).length).toBe(5);
  });

  it('keeps only the named briefs, in catalogue order, from space- or comma-separated ids', () => {
    expect(selectReports(catalogue, ['relief,city']).map((r) => r.id)).toEqual(['city', 'relief']);
    expect(selectReports(catalogue, ['monthly-revenue', 'advisory,']).map((r) => r.id)).toEqual(['advisory', 'monthly-revenue']);
  });

  it('refuses an unknown id and names the briefs that exist', () => {
    expect(() => selectReports(catalogue, ['city', 'cities'])).toThrow('No brief "cities"; the briefs are advisory, city, industry, monthly-revenue, relief');
  });
});
