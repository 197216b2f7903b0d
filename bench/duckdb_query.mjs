// Runs one SQL statement in DuckDB and prints its rows the way gpipe prints records, so that
// bench/run can time DuckDB as a peer and compare its output byte for byte.
//
//     node bench/duckdb_query.mjs --modules DIR 'SELECT ...'
//     node bench/duckdb_query.mjs --modules DIR "COPY (SELECT ...) TO '/dev/stdout' (...)"
//
// DIR is where bench/run installed @duckdb/node-api (outside the repository). A query's rows are
// printed as their values joined by tabs, as `gpipe '... | field a b'` prints them (NULL prints as
// nothing). A statement that returns no rows, such as a COPY that writes to /dev/stdout itself,
// prints nothing more: DuckDB's own CSV writer is faster than formatting CSV here, and quotes
// exactly where gpipe's `to csv` does (only values with a comma, a quote or a line break).
import { createRequire } from 'node:module';
import path from 'node:path';

function parseArgs(argv) {
  const args = { modules: null, sql: null };
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--modules') args.modules = argv[++i];
    else args.sql = argv[i];
  }
  if (!args.modules || !args.sql) {
    process.stderr.write('usage: duckdb_query.mjs --modules DIR SQL\n');
    process.exit(2);
  }
  return args;
}

// An ES module import cannot be pointed at a directory with NODE_PATH; a require rooted in the
// install directory finds its node_modules the ordinary way (the package is CommonJS anyway).
function loadDuckDB(modules) {
  const require = createRequire(path.join(path.resolve(modules), 'package.json'));
  return require('@duckdb/node-api');
}

function text(value) {
  if (value === null) return '';
  return typeof value === 'string' ? value : String(value);
}

// Rows are turned into one string per chunk and written in blocks of about a megabyte: one
// write per row would time Node's stream machinery rather than DuckDB. Awaiting 'drain' keeps a
// slow reader (a pipe) from making the pending output grow without bound.
class Output {
  constructor() {
    this.parts = [];
    this.size = 0;
  }

  async add(block) {
    this.parts.push(block);
    this.size += block.length;
    if (this.size >= 1 << 20) await this.flush();
  }

  async flush() {
    if (this.parts.length === 0) return;
    const ok = process.stdout.write(this.parts.join(''));
    this.parts = [];
    this.size = 0;
    if (!ok) await new Promise((resolve) => process.stdout.once('drain', resolve));
  }
}

async function printRows(result) {
  const out = new Output();
  const columns = result.columnCount;
  for (let chunk = await result.fetchChunk(); chunk && chunk.rowCount > 0;
       chunk = await result.fetchChunk()) {
    const vectors = [];
    for (let c = 0; c < columns; c++) vectors.push(chunk.getColumnVector(c));
    const lines = new Array(chunk.rowCount);
    const values = new Array(columns);
    for (let r = 0; r < chunk.rowCount; r++) {
      for (let c = 0; c < columns; c++) values[c] = text(vectors[c].getItem(r));
      lines[r] = values.join('\t');
    }
    await out.add(lines.join('\n') + '\n');
  }
  await out.flush();
}

async function main() {
  const args = parseArgs(process.argv.slice(2));
  const { DuckDBInstance, ResultReturnType } = loadDuckDB(args.modules);
  const instance = await DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  // Run to completion, then read: a streamed result measured slower (0.15 s of 1 s at 200 MB),
  // as DuckDB then runs the query in step with the reader. The rows kept are a few percent of
  // the input here.
  const result = await connection.run(args.sql);
  if (result.returnType === ResultReturnType.QUERY_RESULT) await printRows(result);
  connection.closeSync();
  instance.closeSync();
}

main().catch((err) => {
  process.stderr.write(`duckdb error: ${err.message}\n`);
  process.exit(1);
});
