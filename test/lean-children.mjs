// Loaded into every test process by .taprc (node-arg), after tap's @tapjs/processinfo import.
//
// processinfo puts its --import into NODE_OPTIONS of every process a test starts, and of every
// process those start: supd, each supctl, the units' node fixtures, npm and tsc in the packaging
// test. In each it starts a module-hooks thread and writes a JSON record at exit, ~0.4 s of CPU
// per process, for coverage and `tap --changed`. The suite runs with coverage off, and the
// coverage script (package.json) does not load this file: there the children stay instrumented.
// The processes under test then run as a user runs them, without a test loader in their options.
//
// processinfo adds the option in a listener of process-on-spawn, whose state is a global
// singleton; a listener appended after it takes the option out again.
// (processinfo writes each option in double quotes: "--import=file:///…/@tapjs/processinfo/…")
const ours = /^"?--(?:import|loader|experimental-loader)=\S*@tapjs\/processinfo\b/;
const strip = (options) => {
  if (typeof options !== 'string') return options;
  const kept = options.split(/\s+/).filter((o) => o !== '' && !ours.test(o));
  return kept.length > 0 ? kept.join(' ') : undefined;
};

const state = globalThis[Symbol.for('process-on-spawn@*:singletonId')];
if (state !== undefined && Array.isArray(state.listeners)) {
  state.listeners.push((spawned) => {
    const env = { ...spawned.env };
    const options = strip(env.NODE_OPTIONS);
    if (options === undefined) delete env.NODE_OPTIONS;
    else env.NODE_OPTIONS = options;
    spawned.env = env;
  });
}
const own = strip(process.env.NODE_OPTIONS);
if (own === undefined) delete process.env.NODE_OPTIONS;
else process.env.NODE_OPTIONS = own;
