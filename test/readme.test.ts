import { readFileSync } from 'node:fs';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { program } from '../pipeline/cli.js';
import { exitCodesHelp } from '../pipeline/errors.js';
import { projectPaths } from '../pipeline/workspace.js';

// The README's command table is the reference users read: every command and every option of its
// --help must be there, so a command added or an option renamed without the README fails here.
const readme = readFileSync(path.join(projectPaths().root, 'README.md'), 'utf8');
const cli = program({ stdout: new PassThrough(), stderr: new PassThrough(), env: {}, clock: () => new Date(0) });
const flags = (options: readonly { long?: string }[]) => options.map((o) => o.long).filter((l): l is string => !!l && l !== '--help');
const rows = readme.split('\n').filter((l) => /^\| `taxbrief \S+/.test(l));
const rowOf = (name: string) => rows.find((l) => l.startsWith(`| \`taxbrief ${name} `) || l.startsWith(`| \`taxbrief ${name}\``));

describe('README', () => {
  it('has a row in the command table for every command, and none for a command that does not exist', () => {
    const names = cli.commands.map((c) => c.name());
    expect(names.length).toBeGreaterThan(10);
    expect(names.filter((n) => !rowOf(n)), 'commands missing from the README table').toEqual([]);
    const documented = rows.map((l) => /^\| `taxbrief (\S+?)[`\s]/.exec(l)![1]!);
    expect(documented.filter((n) => !names.includes(n)), 'README rows for no command').toEqual([]);
  });

  it.each(program({ stdout: new PassThrough(), stderr: new PassThrough(), env: {}, clock: () => new Date(0) }).commands.map((c) => c.name()))(
    'documents every option of taxbrief %s in its row',
    (name) => {
      const command = cli.commands.find((c) => c.name() === name)!;
      const row = rowOf(name) ?? '';
      expect(flags(command.options).filter((f) => !row.includes(f))).toEqual([]);
    },
  );

  it('states the exit codes as --help does, and SECURITY.md the same code for a refused file', () => {
    const paragraph = readme.slice(readme.indexOf('Exit codes:'), readme.indexOf('\n\n', readme.indexOf('Exit codes:')));
    expect(paragraph.replaceAll('`', '').replace(/\s+/g, ' ')).toBe(exitCodesHelp);
    const helpOf = (command: typeof cli) => {
      let help = '';
      command.configureOutput({ writeOut: (s) => { help += s; } });
      command.outputHelp();
      return help.replace(/\s+/g, ' ');
    };
    expect(helpOf(cli)).toContain(exitCodesHelp);
    expect(helpOf(cli.commands.find((c) => c.name() === 'ingest')!)).toContain('exit 3 when any file is refused');
    expect(rowOf('ingest')).toContain('exit 3 when a file is refused');
    expect(readFileSync(path.join(projectPaths().root, 'SECURITY.md'), 'utf8')).toMatch(/refused[^.]*\(exit 3/);
  });

  it('documents every global option', () => {
    const global = readme.slice(readme.indexOf('Global options:'), readme.indexOf('Exit codes:'));
    expect(flags(cli.options).filter((f) => !global.includes(f))).toEqual([]);
  });

  it('documents the recipients file fields and the schedule forms the code accepts', () => {
    const delivery = readme.slice(readme.indexOf('### Delivery'), readme.indexOf('### Operations'));
    for (const field of ['"id"', '"name"', '"email"', '"lang"', '"briefs"', '"brief"', '"regions"']) expect(delivery).toContain(field);
    for (const form of ['"daily"', '"every": "week"', '"every": "month", "afterDay"', '"manual"', '"timeZone"']) expect(readme).toContain(form);
  });
});
