// Loaded with `node --import` by the ENOSPC trial when it may not mount a tmpfs (not root): every write,
// copy or append to a file under $TAXBRIEF_FAULT_ENOSPC_DIR writes half its bytes and then fails as a full
// disk does (ENOSPC). The product code is not changed; its fs functions are (syncBuiltinESMExports).
import fs from 'node:fs';
import { syncBuiltinESMExports } from 'node:module';
import path from 'node:path';

const dir = process.env['TAXBRIEF_FAULT_ENOSPC_DIR'];
if (dir) {
  const under = (file: unknown) => typeof file === 'string' && path.resolve(file).startsWith(`${path.resolve(dir)}${path.sep}`);
  const full = (syscall: string) => Object.assign(new Error(`ENOSPC: no space left on device, ${syscall}`), { code: 'ENOSPC', errno: -28, syscall });
  const half = (data: unknown): Buffer => {
    const b = typeof data === 'string' ? Buffer.from(data) : Buffer.from(data as Uint8Array);
    return b.subarray(0, Math.floor(b.length / 2));
  };
  const { writeFileSync, copyFileSync, appendFileSync, readFileSync } = fs;
  fs.writeFileSync = ((file: fs.PathOrFileDescriptor, data: string | NodeJS.ArrayBufferView, options?: fs.WriteFileOptions) => {
    if (!under(file)) return writeFileSync(file, data, options);
    writeFileSync(file, half(data));
    throw full('write');
  }) as typeof fs.writeFileSync;
  fs.appendFileSync = ((file: fs.PathOrFileDescriptor, data: string | Uint8Array, options?: fs.WriteFileOptions) => {
    if (!under(file)) return appendFileSync(file, data, options);
    appendFileSync(file, half(data));
    throw full('write');
  }) as typeof fs.appendFileSync;
  fs.copyFileSync = ((src: fs.PathLike, dest: fs.PathLike, mode?: number) => {
    if (!under(dest)) return copyFileSync(src, dest, mode);
    writeFileSync(dest, half(readFileSync(src)));
    throw full('copyfile');
  }) as typeof fs.copyFileSync;
  syncBuiltinESMExports();
}
