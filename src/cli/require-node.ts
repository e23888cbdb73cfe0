// The first module the command line loads: on a Node.js too old for ferry it says what to install
// (or how to run ferry with the project's own Node) and exits 2, before anything else runs. ferry
// loads TypeScript models with Node's type stripping, on by default since Node 22.18 and 23.6.

/** The oldest release of each line that strips types without a flag; every later major does. */
const NEEDED: ReadonlyArray<[major: number, minor: number]> = [
  [22, 18],
  [23, 6],
];
const FIRST_MAJOR_WITHOUT_FLAG = 24;

/** Why this Node cannot run ferry, or undefined when it can. */
export function nodeVersionProblem(version: string): string | undefined {
  const [major = 0, minor = 0] = version.replace(/^v/, '').split('.').map(Number);
  if (major >= FIRST_MAJOR_WITHOUT_FLAG) return undefined;
  if (NEEDED.some(([m, n]) => major === m && minor >= n)) return undefined;
  return `ferry needs Node.js 22.18 or later (24 recommended), which loads TypeScript models itself; this is Node ${version.replace(/^v/, '')} (${process.execPath})`;
}

const HINT =
  "install Node.js 24 (https://nodejs.org/en/download, or your system's packages), or run ferry with the project's own Node: in a checkout of ferry, `scripts/ferry <command>` (scripts/ensure-node.sh installs Node 24 into .tools/ when the system Node is older; `make` uses it for every step)";

const problem = nodeVersionProblem(process.versions.node);
if (problem) {
  process.stderr.write(`error: ${problem}\nhint: ${HINT}\n`);
  process.exit(2);
}
