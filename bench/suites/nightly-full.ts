import { copyFileSync, existsSync, mkdirSync, renameSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import { briefsLabel, figure, joinSamples, lastRunStages, median, runArgs, scales, sampleCommand, settleCache, stagesNote, timeFn, warehouseOptions, type Sample, type Suite } from '../harness.js';
import { transcodeFile } from '../../pipeline/ingest/transcode.js';
import { openWarehouse } from '../../pipeline/warehouse/warehouse.js';
import { linkOrCopy } from '../../pipeline/write-atomic.js';

/**
 * A full rebuild: every extract of the scale dropped into the inbox of an empty workspace and one
 * `taxbrief run` (ingest with checks, marts built in full, every brief rendered and delivered),
 * beside plain DuckDB reading the same data into three tables of a fresh database file: the revenue CSVs, the relief
 * Parquet files, and the taxpayer register's UTF-8 twin (the register is GBK, which DuckDB reads only with its encodings
 * extension, not installed here; the twin is made once, outside the timing, and the `ingest` suite measures GBK apart).
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
    const stages: Record<string, number>[] = [];
    // Plain DuckDB: the revenue CSVs with the project's column types, the relief Parquet files, the register's UTF-8 twin.
    const of = (prefix: string, ext: string) => extracts.filter((f) => path.basename(f).startsWith(prefix) && f.endsWith(ext)).map((f) => `'${f.replaceAll("'", "''")}'`).join(', ');
    const register = extracts.find((f) => path.basename(f) === 'taxpayers.csv');
    const registerUtf8 = register ? await utf8Twin(register, path.join(ctx.dir, 'nightly-full-taxpayers.utf8.csv')) : undefined;
    // every file either side reads: dropped from the page cache before each
    const read = [...extracts, ...(registerUtf8 ? [registerUtf8] : [])];
    const plainLoads = [
      `create table revenue as select * from read_csv([${of('revenue_', '.csv')}], header = true, auto_detect = false,
         columns = {'period': 'VARCHAR', 'taxpayer_id': 'VARCHAR', 'region_code': 'VARCHAR', 'industry_code': 'VARCHAR', 'size_code': 'VARCHAR', 'tax_code': 'VARCHAR', 'amount': 'DECIMAL(18,2)'})`,
      `create table relief as select * from read_parquet([${of('relief_', '.parquet')}])`,
      ...(registerUtf8 ? [`create table taxpayers as select * from read_csv('${registerUtf8.replaceAll("'", "''")}', header = true, auto_detect = false,
         columns = {'taxpayer_id': 'VARCHAR', 'name': 'VARCHAR', 'region_code': 'VARCHAR', 'industry_code': 'VARCHAR', 'size_code': 'VARCHAR', 'registered_on': 'DATE', 'status': 'VARCHAR'})`] : []),
    ];
    try {
      for (let i = 0; i < ctx.runs; i++) {
        rmSync(copy, { recursive: true, force: true });
        mkdirSync(path.join(copy, 'inbox'), { recursive: true });
        for (const f of extracts) linkOrCopy(f, path.join(copy, 'inbox', path.basename(f)));
        if (existsSync(path.join(workspace, 'recipients.json'))) copyFileSync(path.join(workspace, 'recipients.json'), path.join(copy, 'recipients.json'));
        // Both sides read the extracts from disk: the run went first and left them in the page cache for the plain
        // load (at tenth, a cold read cost the plain load about 4 s of 60).
        settleCache({ drop: read, warm: [] });
        full.push(await sampleCommand([...ctx.cli, '--workspace', copy, ...runArgs(ctx.scale)], 1, { okCodes: [0, 3], failureLog: path.join(ctx.dir, 'nightly-full-failed.log') }));
        stages.push(await lastRunStages(copy));
        for (const f of [plainFile, `${plainFile}.wal`]) rmSync(f, { force: true });
        settleCache({ drop: read, warm: [] });
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
      figure('nightly-full', `full rebuild (${extracts.length} extracts, ${briefsLabel(ctx.scale)}, delivered to ${scales[ctx.scale].recipients})`, ctx.scale, joinSamples(full), {
        baseline: { name: `plain DuckDB read_csv/read_parquet of the same revenue and relief files${registerUtf8 ? ' and the register (UTF-8 twin)' : ''}`, sample: { ms: joinSamples(plain).ms, peakRssMb: null } },
        target: { ms: 15 * 60_000, rssMb: 8192 },
        note: `${ctx.scale === 'province' ? '' : 'the 15 min target is set for province scale; '}${registerUtf8 ? 'the baseline reads the taxpayer register as UTF-8 (the project reads the GBK original); ' : ''}${stagesNote(stages)}; the ingest stage is ${(median(stages.map((s) => s['ingest'] ?? 0)) / median(plain.flatMap((p) => p.ms))).toFixed(2)} × the plain load`,
      }),
    ];
  },
};
export default suite;

/**
 * The register's UTF-8 twin (transcoded once by ingest's own transcodeFile, kept beside the scale's other caches, made
 * again when the register changes).
 */
async function utf8Twin(gbk: string, twin: string): Promise<string> {
  if (existsSync(twin) && statSync(twin).mtimeMs >= statSync(gbk).mtimeMs) return twin;
  await transcodeFile(gbk, `${twin}.part`, 'gbk');
  renameSync(`${twin}.part`, twin);
  return twin;
}
