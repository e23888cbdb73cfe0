// Loaded before ferry (node --import) by the test of exit code 70: reading process.stdout.isTTY,
// which every command does when it starts, throws a TypeError, as a bug in ferry would.
Object.defineProperty(process.stdout, 'isTTY', {
  get() {
    throw new TypeError('injected fault: a stand-in for a bug in ferry');
  },
});
