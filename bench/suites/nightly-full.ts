import { copyFileSync, existsSync, mkdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { figure, joinSamples, scales, sampleCommand, timeFn, warehouseOptions, type Sample, type Suite } from '../harness.js';
import { openWarehouse } from '../../pipeline/warehouse/warehouse.js';

/**
 * A full rebuild: every extract of the scale dropped into the inbox of an empty workspace and one
 * `taxbrief run` (ingest with checks, marts built in full, every brief rendered and delivered),
 * beside plain DuckDB reading the same files (read_csv, read_parquet) into a table per dataset of a fresh database file.
 */
const suite: Suite = {
  name: 'nightly-full',
  description: 'full rebuild from every extract vs plain DuckDB read_csv/read_parquet of the same files',
  async run(ctx) {
    const { workspace, extracts } = await ctx.prepared();
    const copy = path.join(ctx.dir, 'nightly-full-run');
    const plainFile = path.join(ctx.dir, 'nightly-full-plain.duckdb');
    const full: Sample[] = [];
    const plain: Sample[] = [];
    // The extracts by dataset (revenue_2026-10.csv → revenue) and reader: one plain table each.
    const groups = new Map<string, string[]>();
    for (const f of extracts) {
      const key = `${path.basename(f).split(/[_.]/)[0]}|${path.extname(f) === '.parquet' ? 'read_parquet' : 'read_csv'}`;
      groups.set(key, [...(groups.get(key) ?? []), f]);
    }
    const plainLoads = [...groups].map(([key, files]) => {
      const [table, reader] = key.split('|') as [string, string];
      return `create table "${table}" as select * from ${reader}([${files.map((f) => `'${f.replaceAll("'", "''")}'`).join(', ')}])`;
    });
    try {
      for (let i = 0; i < ctx.runs; i++) {
        rmSync(copy, { recursive: true, force: true });
        mkdirSync(path.join(copy, 'inbox'), { recursive: true });
        for (const f of extracts) copyFileSync(f, path.join(copy, 'inbox', path.basename(f)));
        if (existsSync(path.join(workspace, 'recipients.json'))) copyFileSync(path.join(workspace, 'recipients.json'), path.join(copy, 'recipients.json'));
        full.push(await sampleCommand([...ctx.cli, '--workspace', copy, 'run'], 1, { okCodes: [0, 3] }));
        for (const f of [plainFile, `${plainFile}.wal`]) rmSync(f, { force: true });
        plain.push(
          await timeFn(async () => {
            const w = await openWarehouse(plainFile, warehouseOptions());
            try {
              for (const sql of plainLoads) await w.run(sql);
            } finally {
              w.close();
            }
          }, 1),
        );
      }
    } finally {
      rmSync(copy, { recursive: true, force: true });
      for (const f of [plainFile, `${plainFile}.wal`]) rmSync(f, { force: true });
    }
    return [
      figure('nightly-full', `full rebuild (${extracts.length} extracts, all briefs, delivered to ${scales[ctx.scale].recipients})`, ctx.scale, joinSamples(full), {
        baseline: { name: 'plain DuckDB read_csv/read_parquet of the same files', sample: { ms: joinSamples(plain).ms, peakRssMb: null } },
        target: { ms: 15 * 60_000, rssMb: 8192 },
        note: ctx.scale === 'province' ? undefined : 'the 15 min target is set for province scale',
      }),
    ];
  },
};
export default suite;
