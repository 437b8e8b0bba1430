// The contract's formatting and glob rules, served to the browser as JavaScript modules, so the
// portal's live updates and file filter run the very code the server and the Android app run
// (public/app.js imports them from /static/shared/).
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { stripTypeScriptTypes } from 'node:module';
import { Router } from 'express';

// modules without imports of their own (type imports are stripped): the browser loads each one alone
const MODULES = ['format', 'glob', 'jobs'];

/** Node's own type stripper (the one that runs the server's .ts files), quiet about being "experimental". */
function stripTypes(source: string): string {
  const emit = process.emitWarning;
  process.emitWarning = () => {};
  try {
    return stripTypeScriptTypes(source, { mode: 'strip' });
  } finally {
    process.emitWarning = emit;
  }
}

export function sharedAssets(): Router {
  const dir = path.dirname(fileURLToPath(import.meta.resolve('@d011dl/contract')));
  const code = new Map(MODULES.map((name) => [`${name}.js`, stripTypes(readFileSync(path.join(dir, `${name}.ts`), 'utf8'))]));
  const router = Router();
  router.get('/:file', (req, res, next) => {
    const js = code.get(req.params.file);
    if (js === undefined) return next();
    res.type('text/javascript').set('Cache-Control', 'public, max-age=3600').send(js);
  });
  return router;
}
