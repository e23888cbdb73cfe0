// The section of docs/benchmarks.md on `ferry sync --engine spark` against ferry's own sync in the
// same run: the goal (within 1.5x), and where the Spark copy's time went, so a miss comes with its
// profile (the Spark job split into the read and the write, the COPY after the job, PostgreSQL).
import type { Results } from './describe.js';
import { ratio, seconds, table, verdict, type Section } from './report.js';

const GOAL = 1.5;
const cpu = (s: number | undefined) => (s === undefined ? 'n/a' : s.toFixed(2));

function pair(r: Results) {
  const ferry = r.full?.find((t) => t.tool === 'ferry');
  const spark = r.full?.find((t) => t.tool === 'ferry spark');
  return ferry && spark && spark.runs.length > 0 ? { ferry, spark } : undefined;
}

/** The goal's row in the targets table (none when Spark did not take part). */
export function sparkTarget(r: Results): string[][] {
  const both = pair(r);
  if (!both) return [];
  const measured = both.spark.wall / both.ferry.wall;
  return [
    [
      `ferry sync --engine spark ≤ ${GOAL}x ferry sync (same run)`,
      ratio(measured),
      verdict(measured <= GOAL),
    ],
  ];
}

export function sparkSection(r: Results): Section | undefined {
  const both = pair(r);
  if (!both) return undefined;
  const { ferry, spark } = both;
  const p = spark.spark;
  const read = r.sparkRead;
  const measured = spark.wall / ferry.wall;
  const rows: (string | number)[][] = [
    ['whole process (wall)', `${seconds(ferry.wall)} s`, `${seconds(spark.wall)} s`],
    [
      'the run as ferry reports it',
      `${seconds(ferry.runSeconds ?? NaN)} s`,
      `${seconds(spark.runSeconds ?? NaN)} s`,
    ],
  ];
  if (p) {
    rows.push(
      ['plan: row count, key range, checks compiled into the query', '', `${seconds(p.plan)} s`],
      [`Spark job: read MySQL (${p.partitions} partition(s)), write COPY files`, '', `${seconds(p.job)} s`],
      ...(read
        ? [
            [
              "of it, the read alone (the same query, Spark's noop writer)",
              '',
              `${seconds(read.readSeconds)} s`,
            ],
            [
              'of it, writing the files (job less the read alone)',
              '',
              `${seconds(p.job - read.readSeconds)} s`,
            ],
          ]
        : []),
      [
        'COPY of the last files after the job ended (the others load while it runs)',
        '',
        `${seconds(p.copy - p.job)} s`,
      ],
      [
        'rows ferry read again to judge them (none here: no value needs a policy)',
        '',
        `${seconds(p.recheck)} s`,
      ],
      ['put in place: set checks, primary key build, swap, state', '', `${seconds(p.publish)} s`],
    );
  }
  rows.push(
    ['CPU-s of MariaDB', cpu(ferry.serverCpu.mariadb), cpu(spark.serverCpu.mariadb)],
    ['CPU-s of PostgreSQL', cpu(ferry.serverCpu.postgres), cpu(spark.serverCpu.postgres)],
    ['CPU-s of the Spark Connect server (JVM)', '', cpu(spark.serverCpu.spark)],
    ["CPU-s of ferry's process", seconds(ferry.cpu), seconds(spark.cpu)],
  );
  return {
    title: 'Spark copy',
    body: [
      `\`ferry sync --engine spark\` against \`ferry sync\` on the same ${r.settings.rows.toLocaleString('en-US')}-row table, ` +
        `interleaved in the full-refresh comparison above (medians of ${r.settings.runs} runs each): **${ratio(measured)}** ` +
        `(goal ≤ ${GOAL}x: ${verdict(measured <= GOAL)}).`,
      '',
      table(['', 'ferry sync', 'ferry sync --engine spark'], rows),
      '',
      `JVM start: none per run, the Spark Connect server (scripts/spark.sh, local[2]) runs already; ` +
        `a new session's first answer took ${read ? seconds(read.sessionSeconds) : 'n/a'} s. ` +
        'On one machine the two copies share its CPUs, so their costs add up rather than overlap: ' +
        "the Spark path runs MySQL's formatting of COPY text, Spark's JDBC read and file write, and PostgreSQL's COPY, " +
        "where ferry's own path runs a plain SELECT, its byte encoder and the same COPY. docs/decisions/0014-spark-copy-write.md has the measurements behind the write.",
    ].join('\n'),
  };
}
