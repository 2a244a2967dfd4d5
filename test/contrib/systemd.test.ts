// The shipped systemd unit: `systemd-analyze verify` accepts it, and it keeps the settings supd
// relies on (Type=notify, reload by SIGHUP, supd stopping its own units in order).
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import t from 'tap';
import { ROOT } from '../e2e/harness.js';

const unit = path.join(ROOT, 'contrib', 'systemd', 'supd.service');

const hasAnalyze = spawnSync('systemd-analyze', ['--version']).error === undefined;

t.test('systemd-analyze verify accepts contrib/systemd/supd.service', {
  skip: hasAnalyze ? false : 'systemd-analyze is not installed (Debian package systemd; .ci/run installs it)',
}, (t) => {
  const r = spawnSync('systemd-analyze', ['verify', unit], { encoding: 'utf8' });
  t.equal(r.status, 0, r.stderr);
  t.equal(r.stderr.trim(), '', 'no warnings');
  t.end();
});

t.test('the unit file is Type=notify, reloads with SIGHUP and lets supd stop its units', (t) => {
  const text = fs.readFileSync(unit, 'utf8');
  t.match(text, /^Type=notify$/m);
  t.match(text, /^ExecReload=\/bin\/kill -HUP \$MAINPID$/m);
  t.match(text, /^KillMode=mixed$/m, 'only supd gets SIGTERM; it stops the units in order');
  t.match(text, /^Restart=on-failure$/m);
  t.end();
});

t.test('the shipped unit puts no sandbox on the supervised units; hardening is a separate drop-in', (t) => {
  const text = fs.readFileSync(unit, 'utf8');
  const sandbox = /^(ProtectSystem|ProtectHome|PrivateTmp|PrivateDevices|ProtectKernelTunables|ProtectKernelModules|ProtectControlGroups|ReadOnlyPaths|InaccessiblePaths|TemporaryFileSystem)=/m;
  t.notMatch(text, sandbox, 'every such setting would apply to every unit supd runs');
  const dropIn = fs.readFileSync(path.join(ROOT, 'contrib', 'systemd', 'hardening.conf'), 'utf8');
  t.match(dropIn, /^\[Service\]$/m);
  t.match(dropIn, /^ProtectSystem=full$/m);
  t.match(dropIn, /^PrivateTmp=yes$/m);
  t.end();
});
