import fs from 'node:fs';
import path from 'node:path';
import t, { type Test } from 'tap';
import { childFlags, createUnitLoader } from '../../daemon/edges/unit-loader.js';
import { loadUnits } from '../../units/load.js';
import { isGone } from '../../daemon/edges/proctree.js';

const unitFile = (name: string, text: string) => ({ [name]: text });

t.test('the child process gives the same result as loading in-process, diagnostics included', async (t) => {
  const dir = t.testdir({
    ...unitFile('web.yaml', 'command: [sleep, "100"]\nenv: {A: "${host}"}\nready: {log: "^up$", timeout: 2s}\n'),
    ...unitFile('aux@.yaml', 'command: [sleep, "100"]\nrequires: [web]\ninstances:\n  aux_1: {}\n  aux_2: {}\n'),
    ...unitFile('bad.yaml', 'command: [sleep]\nrestart: {policy: sometimes}\n'),
  });
  const apart = await createUnitLoader().load(dir, 'h1');
  const here = await loadUnits(dir, { host: 'h1' });
  t.same(apart, here);
  t.ok(apart.diagnostics.some((d) => d.severity === 'error' && d.pos?.file === path.join(dir, 'bad.yaml')), 'the bad file is named');
  fs.rmSync(path.join(dir, 'bad.yaml'));
  const fixed = await createUnitLoader().load(dir, 'h1');
  t.same(fixed.units.map((u) => u.name).sort(), ['aux_1', 'aux_2', 'web']);
  t.same(fixed, await loadUnits(dir, { host: 'h1' }));
});

t.test('a child that cannot run is an error diagnostic naming why, not an exception', async (t) => {
  const dir = t.testdir(unitFile('a.yaml', 'command: [sleep, "1"]\n'));
  const r = await createUnitLoader({ execArgv: ['--no-such-node-flag'] }).load(dir, 'h');
  t.same(r.units, []);
  t.equal(r.diagnostics.length, 1);
  t.equal(r.diagnostics[0]?.severity, 'error');
  t.match(r.diagnostics[0]?.message, new RegExp(`cannot load the unit files in ${dir}: the unit loader exited with code \\d+: .*no-such-node-flag`));
});

/** A unit dir and Node flags whose child writes its pid, then never finishes. */
function hangingChild(t: Test) {
  const pidFile = path.join(t.testdirName, 'pid');
  const hang = `import fs from 'node:fs';\nfs.writeFileSync(${JSON.stringify(pidFile)}, String(process.pid));\nsetInterval(() => {}, 1000);\nawait new Promise(() => {});\n`;
  const dir = t.testdir({ ...unitFile('a.yaml', 'command: [sleep, "1"]\n'), 'hang.mjs': hang });
  const pid = async (): Promise<number> => {
    for (let i = 0; i < 250 && !fs.existsSync(pidFile); i++) await new Promise((r) => setTimeout(r, 20));
    return Number(fs.readFileSync(pidFile, 'utf8'));
  };
  return { dir, execArgv: ['--import', path.join(dir, 'hang.mjs')], pid };
}

async function gone(pid: number): Promise<boolean> {
  for (let i = 0; i < 100 && !isGone(pid); i++) await new Promise((r) => setTimeout(r, 20));
  return isGone(pid);
}

t.test('a child that hangs is killed at the timeout and reported', async (t) => {
  const { dir, execArgv, pid } = hangingChild(t);
  const r = await createUnitLoader({ execArgv, timeoutMs: 1500 }).load(dir, 'h');
  t.same(r.units, []);
  t.match(r.diagnostics[0]?.message, /the unit loader took longer than 1.5 s/);
  t.ok(await gone(await pid()), 'the hung child is gone');
});

t.test('close() kills a load in progress (supd shutting down) and the load reports it', async (t) => {
  const { dir, execArgv, pid } = hangingChild(t);
  const loader = createUnitLoader({ execArgv, timeoutMs: 60_000 });
  const loading = loader.load(dir, 'h');
  const child = await pid();
  await loader.close();
  const r = await loading;
  t.same(r.units, []);
  t.match(r.diagnostics[0]?.message, /the unit loader was killed by SIGKILL/);
  t.ok(await gone(child), 'no loader left behind');
});

t.test('the child keeps the loader flags and leaves profilers and the small young generation to supd, values included', async (t) => {
  t.same(
    childFlags(['--max-semi-space-size=1', '--expose-gc', '--cpu-prof', '--cpu-prof-dir', '/tmp/prof', '--import', 'tsx', '--inspect=9229', '--enable-source-maps', '--max-semi-space-size', '1', '--import=./x.mjs']),
    ['--expose-gc', '--import', 'tsx', '--enable-source-maps', '--import=./x.mjs'],
  );
});
