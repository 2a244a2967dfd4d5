// What every route group receives from buildServer: the Control, and the registry of open
// streams (logs -f, events) that the server ends before it closes.
import type { Control, FleetControl } from '../../control.js';

export interface OpenStream {
  end(): void;
}

export interface RouteDeps {
  control: Control;
  /** null: this supd runs without fleet.etcd. */
  fleet: FleetControl | null;
  streams: Set<OpenStream>;
  version: string;
  /** Period of the `:keepalive` comment on /v1/events. */
  keepaliveMs: number;
}

/** A streamed client that stops reading must not grow supd's memory without bound. */
export const MAX_BUFFERED_BYTES = 4 * 1024 * 1024;
