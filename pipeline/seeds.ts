import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { CliError } from './errors.js';
import type { Logger } from './log.js';
import type { Warehouse } from './warehouse/warehouse.js';

/** A seed's declaration in seeds/seeds.json: column types and the data tests it must pass. */
export interface SeedDeclaration {
  description: string;
  columns: Record<string, string>;
  tests: {
    unique?: string[];
    not_null?: string[];
    accepted_values?: Record<string, string[]>;
    relationships?: { column: string; to: string }[];
  };
}

/** What a seed load did. */
export interface SeedResult { loaded: string[]; unchanged: string[] }

/** One failed data test: which seed, which test, and a few offending values. */
export interface SeedTestFailure { seed: string; test: string; examples: string[] }

const identifier = /^[a-z_][a-z0-9_]*$/;

/** Reads and checks seeds/seeds.json. */
export function readSeedDeclarations(seedsDir: string): Record<string, SeedDeclaration> {
  const file = path.join(seedsDir, 'seeds.json');
  const declarations = JSON.parse(readFileSync(file, 'utf8')) as Record<string, SeedDeclaration>;
  for (const [name, d] of Object.entries(declarations)) {
    for (const id of [name, ...Object.keys(d.columns)]) {
      if (!identifier.test(id)) throw new CliError(`${file}: "${id}" is not a valid table or column name; use lowercase letters, digits and _.`);
    }
  }
  return declarations;
}

/**
 * Loads every seed whose CSV or declaration changed since the last load, in one transaction,
 * then runs all data tests; any failure rolls the whole load back.
 */
export async function loadSeeds(
  warehouse: Warehouse,
  seedsDir: string,
  effects: { logger: Logger; now: Date },
): Promise<SeedResult> {
  const declarations = readSeedDeclarations(seedsDir);
  const known = new Map(
    (await warehouse.all<{ seed: string; sha256: string }>('select seed, sha256 from seed_versions')).map((r) => [r.seed, r.sha256]),
  );
  const result: SeedResult = { loaded: [], unchanged: [] };
  const pending: { name: string; file: string; sha256: string; declaration: SeedDeclaration }[] = [];
  for (const [name, declaration] of Object.entries(declarations)) {
    const file = path.join(seedsDir, `${name}.csv`);
    const sha256 = createHash('sha256').update(readFileSync(file)).update(JSON.stringify(declaration)).digest('hex');
    if (known.get(name) === sha256) result.unchanged.push(name);
    else pending.push({ name, file, sha256, declaration });
  }
  if (pending.length === 0) return result;

  await warehouse.transaction(async () => {
    for (const { name, file, sha256, declaration } of pending) {
      const columns = Object.entries(declaration.columns).map(([c, t]) => `'${c}': '${t}'`).join(', ');
      await warehouse.run(`create or replace table ${name} as select * from read_csv($file, header = true, columns = {${columns}})`, { file });
      const [{ n }] = (await warehouse.all<{ n: number }>(`select count(*)::integer as n from ${name}`)) as [{ n: number }];
      await warehouse.run(
        `insert or replace into seed_versions values ($seed, $sha256, $rows, $at::timestamp)`,
        { seed: name, sha256, rows: n, at: effects.now.toISOString() },
      );
      result.loaded.push(name);
      effects.logger.info(`seed ${name}: ${n} rows`);
    }
    const failures = await testSeeds(warehouse, declarations);
    if (failures.length > 0) {
      const f = failures[0]!;
      throw new CliError(
        `Seed ${f.seed} fails its ${f.test} test (e.g. ${f.examples.join(', ')}); fix seeds/${f.seed}.csv.` +
          (failures.length > 1 ? ` ${failures.length - 1} more test(s) fail.` : ''),
      );
    }
  });
  return result;
}

/** Runs the data tests declared for every seed; returns the failures (none when all hold). */
export async function testSeeds(warehouse: Warehouse, declarations: Record<string, SeedDeclaration>): Promise<SeedTestFailure[]> {
  const failures: SeedTestFailure[] = [];
  const probe = async (seed: string, test: string, sql: string, params?: Record<string, string>) => {
    const rows = await warehouse.all<{ example: string }>(`${sql} limit 3`, params);
    if (rows.length > 0) failures.push({ seed, test, examples: rows.map((r) => String(r.example)) });
  };
  for (const [seed, d] of Object.entries(declarations)) {
    for (const c of d.tests.unique ?? []) {
      await probe(seed, `unique(${c})`, `select ${c}::varchar as example from ${seed} group by ${c} having count(*) > 1`);
    }
    for (const c of d.tests.not_null ?? []) {
      await probe(seed, `not_null(${c})`, `select 'row ' || (row_number() over ())::varchar as example from ${seed} qualify ${c} is null`);
    }
    for (const [c, values] of Object.entries(d.tests.accepted_values ?? {})) {
      await probe(seed, `accepted_values(${c})`, `select ${c}::varchar as example from ${seed} where ${c} is not null and ${c}::varchar not in (select unnest(string_split($values, '|')))`, {
        values: values.join('|'),
      });
    }
    for (const { column, to } of d.tests.relationships ?? []) {
      const [table, key] = to.split('.');
      if (!table || !key || !identifier.test(table) || !identifier.test(key)) throw new CliError(`seeds/seeds.json: relationship "${to}" of ${seed}.${column} must read table.column.`);
      await probe(seed, `relationships(${column} → ${to})`, `select s.${column}::varchar as example from ${seed} s where s.${column} is not null and not exists (select 1 from ${table} t where t.${key} = s.${column})`);
    }
  }
  return failures;
}
