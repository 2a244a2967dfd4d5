// daemon/settle.ts: one collection after a burst of pokes, none without gc, none after close.
import t from 'tap';
import { collectWhenQuiet } from '../../daemon/settle.js';

// The settler's timer never keeps a process alive (unref): this test's own handle does.
const hold = setInterval(() => {}, 60_000);
t.teardown(() => clearInterval(hold));

t.test('a burst of pokes ends in one collection', async (t) => {
  let calls = 0;
  let collected!: () => void;
  const done = new Promise<void>((resolve) => { collected = resolve; });
  const settle = collectWhenQuiet(() => {
    calls += 1;
    collected();
  }, 5);
  for (let i = 0; i < 100; i += 1) settle.poke();
  await done;
  t.equal(calls, 1);
  // A later burst gets its own collection.
  const again = new Promise<void>((resolve) => { collected = resolve; });
  settle.poke();
  settle.poke();
  await again;
  t.equal(calls, 2);
  settle.close();
});

t.test('close cancels a pending collection; without gc poke does nothing', async (t) => {
  let calls = 0;
  const settle = collectWhenQuiet(() => { calls += 1; }, 1);
  settle.poke();
  settle.close();
  // A longer timer of our own, queued after the cancelled one would have fired.
  await new Promise((resolve) => setTimeout(resolve, 20));
  t.equal(calls, 0);
  t.doesNotThrow(() => collectWhenQuiet(undefined).poke());
});
