/**
 * Handlebars from its single-file build (dist/handlebars.min.js, the full compiler and runtime of the
 * same version) rather than lib/, whose some 40 CommonJS files cost a brief rerun's start-up more.
 */
import { createRequire } from 'node:module';
import type HandlebarsModule from 'handlebars';

/** The Handlebars namespace (create, compile, SafeString …). */
const Handlebars = createRequire(import.meta.url)('handlebars/dist/handlebars.min.js') as typeof HandlebarsModule;
export default Handlebars;
export type { HelperDelegate, HelperOptions } from 'handlebars';
