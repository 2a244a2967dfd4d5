// systemd notification (Type=notify): READY, STATUS, STOPPING, EXTEND_TIMEOUT_USEC and the
// watchdog. Node has no unix datagram sockets, so each message goes through `systemd-notify
// --pid=<supd>`; as root its credentials name supd, which NotifyAccess=main requires.
import { execFile } from 'node:child_process';

export interface NotifyLog {
  warn(msg: string): void;
  debug(msg: string): void;
}

export interface Notifier {
  /** READY=1 with a status line; starts the watchdog when systemd asked for one. */
  ready(status: () => string): void;
  /** STOPPING=1, and EXTEND_TIMEOUT_USEC when the stop may take `timeoutMs`. */
  stopping(timeoutMs: number): void;
  /** Stops the watchdog; resolves once queued messages are sent. */
  close(): Promise<void>;
  /** Whether systemd listens (NOTIFY_SOCKET is set). */
  readonly enabled: boolean;
}

export interface NotifierOptions {
  /** The systemd-notify binary (tests pass a recorder). */
  command?: string;
}

export function createNotifier(env: NodeJS.ProcessEnv, log: NotifyLog, opts: NotifierOptions = {}): Notifier {
  const enabled = Boolean(env['NOTIFY_SOCKET']);
  const command = opts.command ?? 'systemd-notify';
  let chain: Promise<void> = Promise.resolve();
  let broken = false;
  let watchdog: NodeJS.Timeout | null = null;

  // Messages go out one at a time, in order: READY must not overtake an earlier STATUS.
  const send = (...assignments: string[]): void => {
    if (!enabled || broken) return;
    chain = chain.then(
      () =>
        new Promise<void>((resolve) => {
          if (broken) return resolve();
          execFile(command, [`--pid=${process.pid}`, ...assignments], { env, timeout: 5000 }, (err) => {
            if (err) {
              if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
                broken = true;
                log.warn(`sd_notify: ${command} not found; systemd will not hear from supd`);
              } else {
                log.warn(`sd_notify ${assignments.join(' ')}: ${err.message}`);
              }
            } else {
              log.debug(`sd_notify ${assignments.join(' ')}`);
            }
            resolve();
          });
        }),
    );
  };

  return {
    enabled,
    ready(status) {
      send('READY=1', `STATUS=${safeStatus(status)}`);
      const usec = Number(env['WATCHDOG_USEC']);
      const forPid = env['WATCHDOG_PID'];
      if (!enabled || watchdog !== null || !(usec > 0) || (forPid !== undefined && Number(forPid) !== process.pid)) return;
      // Twice per period, as sd_watchdog_enabled(3) advises; the status line rides along.
      watchdog = setInterval(() => send('WATCHDOG=1', `STATUS=${safeStatus(status)}`), Math.max(1, Math.floor(usec / 2000)));
      watchdog.unref();
    },
    stopping(timeoutMs) {
      if (watchdog !== null) clearInterval(watchdog);
      watchdog = null;
      const extra = timeoutMs > 0 ? [`EXTEND_TIMEOUT_USEC=${Math.round(timeoutMs * 1000)}`] : [];
      send('STOPPING=1', ...extra, 'STATUS=stopping units');
    },
    close() {
      if (watchdog !== null) clearInterval(watchdog);
      watchdog = null;
      return chain;
    },
  };
}

function safeStatus(status: () => string): string {
  try {
    return status().replace(/\n/g, ' ');
  } catch {
    return 'running';
  }
}
