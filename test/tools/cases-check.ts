import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defaultConfig } from '../../daemon/config/load.js';
import { createEngine } from '../../daemon/engine/index.js';
import { expectedRules, loadCasesFiles, matchedRules } from '../corpus/cases.js';

// `node dist/test/tools/cases-check.js`: every line of the catalog's <domain>.cases.jsonl whose
// matched rule set differs from its label, one JSON object per line ({file, lineNo, line, want,
// got}). For reviewing a change to the engine or the catalog line by line (after a merge, say):
// a wrong label is fixed by hand after reading the line, a wrong match in the rule. Exit 1 when
// a line differs. It reads the source tree's cases files (they are not copied to dist/).

const root = join(fileURLToPath(new URL('.', import.meta.url)), '..', '..', '..');
const engine = createEngine(defaultConfig(), { hostname: 'corpus-host' });
let differ = 0;
for (const file of loadCasesFiles(join(root, 'daemon', 'engine', 'rules', 'catalog'))) {
  for (const c of file.cases) {
    const got = matchedRules(engine, c);
    const want = expectedRules(c);
    if (got.join() === want.join()) continue;
    differ++;
    process.stdout.write(`${JSON.stringify({ file: `${file.domain}.cases.jsonl`, lineNo: c.lineNo, line: c.line, want, got })}\n`);
  }
}
process.exitCode = differ ? 1 : 0;
