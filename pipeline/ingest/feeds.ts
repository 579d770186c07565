import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { CliError } from '../errors.js';
import { datasets } from './datasets.js';

/** A feed definition (data/feeds/<name>.json): how one kind of external file maps onto a dataset. */
export interface Feed {
  name: string;
  description: string;
  dataset: string;
  /** A file-name pattern with `*` wildcards, e.g. `revenue_*.csv`. */
  files: string;
  format: 'csv' | 'parquet';
  encoding: 'utf-8' | 'gbk' | 'gb18030';
  /** Canonical column → column name in the file, where they differ. */
  columns: Record<string, string>;
  /** The definition file, for error messages. */
  source: string;
}

const formats = ['csv', 'parquet'];
const encodings = ['utf-8', 'gbk', 'gb18030'];

/** Reads every feed definition in `dir`; a malformed one is reported with its file and field. */
export function readFeeds(dir: string): Feed[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((f) => parseFeed(path.join(dir, f)));
}

function parseFeed(file: string): Feed {
  let raw: Record<string, unknown>;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
  } catch (error) {
    throw new CliError(`Feed definition ${file} is not valid JSON (${(error as Error).message}); fix the file.`);
  }
  const field = (name: string, allowed?: string[], fallback?: string): string => {
    const value = raw[name] ?? fallback;
    if (typeof value !== 'string' || value === '' || (allowed && !allowed.includes(value))) {
      const expected = allowed ? `one of ${allowed.join(', ')}` : 'a non-empty string';
      throw new CliError(`Feed definition ${file}: field "${name}" must be ${expected}.`);
    }
    return value;
  };
  const dataset = field('dataset', Object.keys(datasets));
  const columns = (raw['columns'] ?? {}) as Record<string, string>;
  const known = datasets[dataset]!.columns.map((c) => c.name);
  for (const c of Object.keys(columns)) {
    if (!known.includes(c)) throw new CliError(`Feed definition ${file}: columns.${c} is not a column of ${dataset} (${known.join(', ')}).`);
  }
  return {
    name: field('name'),
    description: field('description'),
    dataset,
    files: field('files'),
    format: field('format', formats) as Feed['format'],
    encoding: field('encoding', encodings, 'utf-8') as Feed['encoding'],
    columns,
    source: file,
  };
}

/** The feed whose file pattern matches `fileName`, if any. */
export function feedFor(feeds: Feed[], fileName: string): Feed | undefined {
  return feeds.find((f) => globToRegExp(f.files).test(fileName));
}

function globToRegExp(glob: string): RegExp {
  const escaped = glob.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  return new RegExp(`^${escaped}$`, 'i');
}
