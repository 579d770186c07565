import { createRequire } from 'node:module';
import type * as DuckDB from '@duckdb/node-api';
import type { DuckDBConnection, DuckDBInstance, DuckDBValue } from '@duckdb/node-api';
import { CliError, ExitCode } from '../errors.js';

// required, not imported: imported from ESM, Node first scans every file of the CommonJS package for its
// export names (cjs-module-lexer), which took half of the 0.2–0.35 s the driver costs a brief rerun's start-up
const { DuckDBInstance: Instance } = createRequire(import.meta.url)('@duckdb/node-api') as typeof DuckDB;

/** Values bound to `$named` parameters. */
export type Params = Record<string, string | number | boolean | null>;

/** A row as JSON-friendly values: DECIMAL and BIGINT arrive as exact strings, DOUBLE and INTEGER as numbers. */
export type Row = Record<string, string | number | boolean | null>;

/** The warehouse: one DuckDB file, one connection, SQL in and JSON-friendly rows out. */
export interface Warehouse {
  readonly file: string;
  run(sql: string, params?: Params): Promise<void>;
  all<T extends Row = Row>(sql: string, params?: Params): Promise<T[]>;
  /** Like `all`, with each column's DuckDB type (e.g. `DECIMAL(18,2)`, `DOUBLE`, `VARCHAR`), for typed exports. */
  allTyped(sql: string, params?: Params): Promise<{ columns: Column[]; rows: Row[] }>;
  /** Runs `work` in one transaction: all of it commits, or none of it does. */
  transaction<T>(work: () => Promise<T>): Promise<T>;
  /**
   * The same warehouse with its queries (`all`, `allTyped`) spread over up to `connections` connections, so that
   * DuckDB plans and runs several at once; writes and transactions stay on the one connection. Only for reading
   * committed data while nothing writes (a render pass); the extra connections close with the warehouse.
   */
  readers(connections: number): Warehouse;
  close(): void;
}

/** A result column: its name and DuckDB type. */
export interface Column { name: string; type: string }

/** Resources DuckDB may take; defaults leave the machine usable. */
export interface WarehouseOptions {
  threads?: number;
  memoryLimit?: string;
  readOnly?: boolean;
}

/** Opens (creating if needed) the DuckDB file at `file`. */
export async function openWarehouse(file: string, options: WarehouseOptions = {}): Promise<Warehouse> {
  const config: Record<string, string> = {
    // No extension may be fetched at run time on this machine: fail fast instead of hanging.
    autoinstall_known_extensions: 'false',
    autoload_known_extensions: 'false',
    // No vacuum at checkpoints. DuckDB's vacuum merges the partly filled row groups each loaded file
    // leaves (one per file) and cascades through the rest of the table: the first checkpoint after any
    // write (a run that only records itself in the ledger) rewrote the 38 M revenue rows at tenth scale,
    // 100 tasks at a time, for 20–50 s, and at province scale it would rewrite ten times as many. The
    // facts are append-only and the marts append new months; row groups a rebuild deletes whole are
    // dropped without vacuum; only a restated month leaves deleted rows behind, in the marts.
    max_vacuum_tasks: '0',
  };
  if (options.threads) config['threads'] = String(options.threads);
  if (options.memoryLimit) config['memory_limit'] = options.memoryLimit;
  if (options.readOnly) config['access_mode'] = 'READ_ONLY';
  let instance: DuckDBInstance;
  let connection: DuckDBConnection;
  try {
    instance = await Instance.create(file, config);
    connection = await instance.connect();
  } catch (error) {
    const reason = error instanceof Error ? error.message.split('\n')[0] : String(error);
    throw new CliError(`Cannot open the warehouse ${file}: ${reason}`, ExitCode.environment, { cause: error });
  }
  return wrap(file, instance, connection);
}

function wrap(file: string, instance: DuckDBInstance, connection: DuckDBConnection): Warehouse {
  let inTransaction = false;
  const extra: DuckDBConnection[] = [];
  const warehouse: Warehouse = {
    file,
    async run(sql, params) {
      await connection.run(sql, params as Record<string, DuckDBValue> | undefined);
    },
    async all<T extends Row = Row>(sql: string, params?: Params) {
      const reader = await connection.runAndReadAll(sql, params as Record<string, DuckDBValue> | undefined);
      return reader.getRowObjectsJson() as T[];
    },
    allTyped: (sql, params) => readTyped(connection, sql, params),
    async transaction(work) {
      if (inTransaction) return work();
      inTransaction = true;
      await connection.run('begin transaction');
      try {
        const result = await work();
        await connection.run('commit');
        return result;
      } catch (error) {
        await connection.run('rollback').catch(() => undefined);
        throw error;
      } finally {
        inTransaction = false;
      }
    },
    readers(connections) {
      // Each connection runs one statement at a time, so a lane hands DuckDB its next query only when the last one is
      // done: a query sent to a busy connection would wait inside the driver on one of libuv's four threads, and with
      // a brief's twenty queries sent at once every one of them would be taken, stalling the file reads (dynamic
      // imports, fs.promises) the main thread does meanwhile until the last query ends. A query goes to the lane with
      // the fewest waiting, or to a new connection while there are fewer than `connections`.
      const lanes = [{ connection: Promise.resolve(connection), queued: 0, tail: Promise.resolve() as Promise<unknown> }];
      const on = async <T>(work: (c: DuckDBConnection) => Promise<T>): Promise<T> => {
        let lane = lanes.reduce((a, b) => (b.queued < a.queued ? b : a));
        if (lane.queued > 0 && lanes.length < connections) {
          lane = { connection: instance.connect().then((c) => (extra.push(c), c)), queued: 0, tail: Promise.resolve() };
          lanes.push(lane);
        }
        lane.queued++;
        const turn = lane.tail.then(async () => work(await lane.connection));
        lane.tail = turn.catch(() => undefined);
        try {
          return await turn;
        } finally {
          lane.queued--;
        }
      };
      return {
        ...warehouse,
        all: <T extends Row = Row>(sql: string, params?: Params) =>
          on(async (c) => (await c.runAndReadAll(sql, params as Record<string, DuckDBValue> | undefined)).getRowObjectsJson() as T[]),
        allTyped: (sql, params) => on((c) => readTyped(c, sql, params)),
      };
    },
    close() {
      for (const c of extra.splice(0)) c.closeSync();
      connection.closeSync();
      instance.closeSync();
    },
  };
  return warehouse;
}

async function readTyped(connection: DuckDBConnection, sql: string, params?: Params): Promise<{ columns: Column[]; rows: Row[] }> {
  const reader = await connection.runAndReadAll(sql, params as Record<string, DuckDBValue> | undefined);
  const types = reader.columnTypes();
  const columns = reader.columnNames().map((name, i) => ({ name, type: types[i]!.toString() }));
  return { columns, rows: reader.getRowObjectsJson() as Row[] };
}
