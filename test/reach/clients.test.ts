import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import { startMariadb, type TestMariadb } from '../helpers/mariadb.js';
import { startPostgres, type TestPostgres } from '../helpers/postgres.js';
import { startRedis, type TestRedis } from '../helpers/redis.js';
import { describeForms, dirVictim, type Form } from './forms.js';

// End to end, the forms that need a database server or a task runner beyond make and npm: a
// throwaway PostgreSQL, MariaDB (mysql) and Redis, each on a unix socket in a temp dir, no TCP,
// yarn, pnpm, bun, just and mongosh as the registry ships them (all installed by
// scripts/setup.sh). In real bash and zsh with the hook: a wrong phrase keeps the victim (a
// table, a key, a directory), the right one removes it, the audit row names file:line.

let pg: TestPostgres;
let mysql: TestMariadb;
let redis: TestRedis;

beforeAll(async () => {
  [pg, mysql, redis] = await Promise.all([startPostgres(), startMariadb(), startRedis()]);
}, 60_000);
afterAll(async () => {
  await Promise.all([pg?.stop(), mysql?.stop(), redis?.stop()]);
});

/** Table `users` in the throwaway PostgreSQL, which the shell reaches through PGHOST/PGUSER. */
const pgVictim = (dir: string): { alive(): boolean; before: string[] } => {
  pg.query('DROP TABLE IF EXISTS users; CREATE TABLE users (id int); INSERT INTO users VALUES (1);');
  writeFileSync(join(dir, 'setup.sql'), 'select 1;\n');
  writeFileSync(join(dir, 'drop.sql'), 'select 1;\n\n-- the cleanup\nDROP TABLE users;\n');
  return {
    alive: () => pg.query("SELECT count(*) FROM pg_tables WHERE tablename = 'users'") === '1',
    before: [`export PGHOST=${pg.host} PGUSER=${pg.user}`],
  };
};

/** Database `shop` with table `users`, and the client pointed at the test server the way a user's
 * own option file would (MYSQL_HOME/my.cnf: read after /etc/mysql, so it wins). */
const mysqlVictim = (dir: string): { alive(): boolean; before: string[] } => {
  mysql.query('DROP DATABASE IF EXISTS shop; CREATE DATABASE shop; CREATE TABLE shop.users (id int); INSERT INTO shop.users VALUES (1);');
  writeFileSync(join(dir, 'my.cnf'), `[client]\nsocket=${mysql.socket}\nuser=root\n`);
  writeFileSync(join(dir, 'drop.sql'), 'select 1;\n\n-- the cleanup\nDROP TABLE users;\n');
  return { alive: () => mysql.query('SHOW TABLES', 'shop').split('\n').includes('users'), before: [`export MYSQL_HOME=${dir}`] };
};

const packageJson = (dir: string): void =>
  writeFileSync(join(dir, 'package.json'), '{\n  "name": "shop",\n  "license": "UNLICENSED",\n  "scripts": {\n    "wipe": "rm -rf victim"\n  }\n}\n');

const FORMS: Form[] = [
  {
    name: 'psql -f F',
    matched: /drop\.sql:4: DROP TABLE users/,
    setup: (d) => ({ line: 'psql -X -d postgres -f drop.sql', ...pgVictim(d) }),
  },
  {
    name: 'psql -f A -f F (repeated -f)',
    matched: /drop\.sql:4: DROP TABLE users/,
    setup: (d) => ({ line: 'psql -X -d postgres -f setup.sql -f drop.sql', ...pgVictim(d) }),
  },
  {
    name: 'psql < F',
    matched: /drop\.sql:4: DROP TABLE users/,
    setup: (d) => ({ line: 'psql -X -d postgres < drop.sql', ...pgVictim(d) }),
  },
  {
    name: 'cat F | psql',
    matched: /drop\.sql:4: DROP TABLE users/,
    setup: (d) => ({ line: 'cat drop.sql | psql -X -d postgres', ...pgVictim(d) }),
  },
  {
    name: 'mysql DB < F',
    matched: /drop\.sql:4: DROP TABLE users/,
    setup: (d) => ({ line: 'mysql shop < drop.sql', ...mysqlVictim(d) }),
  },
  {
    name: 'mysql DB -e "source F"',
    matched: /drop\.sql:4: DROP TABLE users/,
    setup: (d) => ({ line: 'mysql shop -e "source drop.sql"', ...mysqlVictim(d) }),
  },
  {
    name: 'redis-cli < F',
    matched: /flush\.txt:2: FLUSHALL/,
    setup: (d) => {
      redis.cli('SET', 'victim', '1');
      writeFileSync(join(d, 'flush.txt'), 'GET victim\nFLUSHALL\n');
      return { line: `redis-cli -s ${redis.socket} < flush.txt`, alive: () => redis.cli('EXISTS', 'victim') === '1' };
    },
  },
  {
    name: 'yarn S (shorthand)',
    matched: /package\.json:5: rm -rf victim/,
    setup: (d) => {
      const v = dirVictim(d);
      packageJson(d);
      return { line: 'yarn wipe', alive: v.alive };
    },
  },
  {
    name: 'pnpm run S',
    matched: /package\.json:5: rm -rf victim/,
    setup: (d) => {
      const v = dirVictim(d);
      packageJson(d);
      return { line: 'pnpm run wipe', alive: v.alive };
    },
  },
  {
    name: 'bun run S',
    matched: /package\.json:5: rm -rf victim/,
    setup: (d) => {
      const v = dirVictim(d);
      packageJson(d);
      return { line: 'bun run wipe', alive: v.alive };
    },
  },
  {
    name: 'just R (a dependency recipe)',
    matched: /justfile:7: rm -rf victim/,
    setup: (d) => {
      const v = dirVictim(d);
      writeFileSync(join(d, 'justfile'), 'default:\n    echo hi\n\nwipe: clean\n\nclean:\n    rm -rf victim\n');
      return { line: 'just wipe', alive: v.alive };
    },
  },
  {
    // No MongoDB server is packaged for Debian: mongosh runs the file with --nodb. The file's first
    // statement removes the victim through mongosh's own Node fs, so the victim going shows that
    // the file ran; its db.dropDatabase() is what is matched (it then fails: no database).
    name: 'mongosh F.js (--nodb)',
    matched: /wipe\.js:2: db\.dropDatabase\(\)/,
    setup: (d) => {
      const v = dirVictim(d);
      writeFileSync(join(d, 'wipe.js'), 'require("fs").rmSync("victim", { recursive: true, force: true });\ndb.dropDatabase();\n');
      return { line: 'mongosh --nodb --quiet wipe.js', alive: v.alive };
    },
  },
];

describeForms('what a line feeds a database client or a task runner is judged', FORMS);
