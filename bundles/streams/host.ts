/**
 * The streams reference bundle: `wetware:streams/streams@0.1.0` (see
 * `wit/streams.wit`), byte channels between components and their host that
 * are real `wasi:io/streams` resources.
 *
 * A channel is a pair of bounded in-memory pipes held by the bundle under a
 * name, like a named pipe with two ends. `create-connection(name)` returns
 * the channel's first end, or its second end when the first is already
 * taken; each end's output stream writes into the pipe the other end's
 * input stream reads. The streams come from `context.streams`, so they are
 * the run's own `wasi:io/streams` classes: the guest reads, writes, flushes,
 * subscribes and polls them as it does stdio.
 *
 * Lifecycle, which the bundle logs through `context.log`:
 *
 * - `create-connection` opens an end: `connection #1 "chat" opened as end 1
 *   (1 open)`.
 * - Each stream can be taken once; dropping it closes its direction
 *   (the peer reads the end, or its writes fail with `closed`).
 * - Dropping the connection closes the directions whose streams were never
 *   taken and releases the end: `connection #1 "chat" closed: sent 5
 *   bytes, received 11 bytes (0 open)` (bytes this end wrote, and read).
 *   Streams already taken keep working until they are dropped.
 * - When every connection made to a channel has been dropped, the name is
 *   free: the next `create-connection` starts a new channel.
 *
 * Everything here runs synchronously on the guest's thread, so a guest
 * that blocks on a pipe only it could fill (a `blocking-read` before
 * anything was written) traps with a message instead of hanging.
 *
 * Caps (configuration keys, see {@linkcode createHost}): each pipe holds
 * at most `pipe_capacity` bytes (64 KiB), a writer that outruns its reader
 * sees `check-write` report 0; at most `max_channels` channels (64) exist
 * at once; a name is at most {@linkcode MAX_NAME_BYTES} bytes. So the
 * bundle holds at most `2 × max_channels × pipe_capacity` bytes (8 MiB by
 * default).
 *
 * @module
 */
import type { BytePipe, HostContext } from "../../mod.ts";

/** The parts of Warden's {@linkcode HostContext} the bundle uses. */
export type StreamsContext = Pick<HostContext, "config" | "log" | "streams">;

/** The caps the bundle enforces; each is a configuration key. */
export interface StreamsLimits {
  /**
   * The most bytes one direction of a channel buffers (`pipe_capacity`),
   * from 4096 to 16 MiB. A writer that fills it waits for the reader:
   * `check-write` reports 0 and the output's pollable is not ready.
   */
  readonly pipeCapacity: number;
  /**
   * The most channels that exist at once (`max_channels`), from 1 to
   * 4096; one more is `too-many-channels`.
   */
  readonly maxChannels: number;
}

/** The default caps: 64 KiB a direction, 64 channels. */
export const DEFAULT_LIMITS: Readonly<StreamsLimits> = Object.freeze({
  pipeCapacity: 64 * 1024,
  maxChannels: 64,
});

/**
 * The longest channel name, in UTF-8 bytes: names are identifiers, and the
 * bundle keeps each in memory for the channel's life.
 */
export const MAX_NAME_BYTES = 128;

/** The most channels `max_channels` may allow. */
const _MAX_CHANNELS_CAP = 4096;

/** `connect-error` of the WIT. */
export type ConnectError = "invalid-name" | "busy" | "too-many-channels";

/**
 * An `err` of `create-connection`, or the unit `err` of `get-input-stream`
 * and `get-output-stream`: its own `payload` property is what jco's glue
 * (`getErrorPayload`) lowers as the `err` value.
 */
export class StreamsError extends Error {
  /** The `err` value the guest receives. */
  readonly payload: ConnectError | undefined;

  /**
   * @param message The message, in sentence case with no final period.
   * @param payload The `err` value; `undefined` for a unit `err`.
   */
  constructor(message: string, payload: ConnectError | undefined) {
    super(message);
    this.name = "StreamsError";
    this.payload = payload;
  }
}

/** The implementation of `wetware:streams/streams`, as jco's glue calls it. */
export interface StreamsInterface {
  /** `create-connection(name) -> result<connection, connect-error>`. */
  createConnection(name: string): Connection;
  /** The `connection` resource. */
  Connection: typeof Connection;
}

/** One channel: two pipes, and which of its two ends are taken and released. */
interface _Channel {
  readonly name: string;
  /** `pipes[0]` carries end 1's writes to end 2; `pipes[1]` the reverse. */
  readonly pipes: readonly [BytePipe, BytePipe];
  /** How many ends were handed out (1 or 2). */
  claimed: number;
  /** How many of them were dropped. */
  released: number;
}

/** What a connection needs from the factory that made it. */
interface _Owner {
  readonly streams: StreamsContext["streams"];
  /** Called once when a connection is dropped. */
  release(connection: Connection, channel: _Channel): void;
}

let _make: (
  owner: _Owner,
  channel: _Channel,
  end: 0 | 1,
  id: number,
) => Connection;

/**
 * `connection`: one end of a channel. Made only by `create-connection`;
 * the guest cannot construct one.
 */
export class Connection {
  #owner: _Owner | undefined;
  #channel: _Channel | undefined;
  /** The pipe this end reads and the one it writes. */
  #inbound: BytePipe | undefined;
  #outbound: BytePipe | undefined;
  #end = 1;
  #id = 0;
  #inputTaken = false;
  #outputTaken = false;

  /** @returns The channel's name. */
  name(): string {
    return this.#live().channel.name;
  }

  /**
   * Takes the stream of the bytes the other end writes.
   *
   * @returns A `wasi:io/streams` input stream.
   * @throws {StreamsError} With a unit `err` when it was taken before.
   */
  getInputStream(): object {
    const { owner, inbound } = this.#live();
    if (this.#inputTaken) throw _takenTwice("input");
    this.#inputTaken = true;
    return owner.streams.input(inbound.reader);
  }

  /**
   * Takes the stream of the bytes to the other end.
   *
   * @returns A `wasi:io/streams` output stream.
   * @throws {StreamsError} With a unit `err` when it was taken before.
   */
  getOutputStream(): object {
    const { owner, outbound } = this.#live();
    if (this.#outputTaken) throw _takenTwice("output");
    this.#outputTaken = true;
    return owner.streams.output(outbound.writer);
  }

  /** The number this connection has in the log. */
  get id(): number {
    return this.#id;
  }

  /** Which end of the channel it is: 1 or 2. */
  get end(): number {
    return this.#end;
  }

  /** Bytes this end wrote into its channel. */
  get bytesSent(): number {
    return this.#outbound?.bytesWritten ?? 0;
  }

  /** Bytes this end read from its channel. */
  get bytesReceived(): number {
    return this.#inbound?.bytesRead ?? 0;
  }

  /**
   * Drops the connection (the guest's `[resource-drop]connection`): closes
   * the directions whose streams were never taken and releases the end.
   */
  [Symbol.dispose](): void {
    const owner = this.#owner;
    if (owner === undefined) return;
    const { channel, inbound, outbound } = this.#live();
    if (!this.#inputTaken) inbound.reader.close();
    if (!this.#outputTaken) outbound.writer.close();
    this.#owner = undefined;
    owner.release(this, channel);
  }

  #live(): {
    owner: _Owner;
    channel: _Channel;
    inbound: BytePipe;
    outbound: BytePipe;
  } {
    const owner = this.#owner;
    const channel = this.#channel;
    const inbound = this.#inbound;
    const outbound = this.#outbound;
    if (
      owner === undefined || channel === undefined || inbound === undefined ||
      outbound === undefined
    ) {
      throw new TypeError("Cannot use a connection that was dropped");
    }
    return { owner, channel, inbound, outbound };
  }

  static {
    _make = (owner, channel, end, id) => {
      const connection = new Connection();
      const [first, second] = channel.pipes;
      connection.#owner = owner;
      connection.#channel = channel;
      connection.#outbound = end === 0 ? first : second;
      connection.#inbound = end === 0 ? second : first;
      connection.#end = end + 1;
      connection.#id = id;
      return connection;
    };
  }
}

/**
 * The bundle's factory: one set of channels, shared by every component the
 * returned implementation serves.
 *
 * Configuration keys, both optional: `pipe_capacity` and `max_channels`,
 * integers that replace the caps of {@linkcode DEFAULT_LIMITS}.
 *
 * @param context What Warden gives the bundle (its configuration, log and
 * stream maker are used).
 * @returns The implementation, keyed by interface name.
 * @throws {TypeError} On an unknown configuration key or a value that is
 * not an integer.
 * @throws {RangeError} On a cap out of its range.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { createHostStreams } from "../../mod.ts";
 * import createHost from "./host.ts";
 *
 * const lines: string[] = [];
 * const host = createHost({
 *   config: {},
 *   log: (line) => lines.push(line),
 *   streams: createHostStreams(),
 * })["wetware:streams/streams"];
 * const a = host.createConnection("chat");
 * const b = host.createConnection("chat");
 * assert.equal(b.end, 2);
 * a[Symbol.dispose]();
 * b[Symbol.dispose]();
 * assert.equal(lines.at(-1), 'connection #2 "chat" closed: sent 0 bytes, received 0 bytes (0 open)');
 * ```
 */
export default function createHost(
  context: StreamsContext,
): { "wetware:streams/streams": StreamsInterface } {
  const limits = _readConfig(context.config);
  const channels = new Map<string, _Channel>();
  let lastId = 0;
  let open = 0;
  const owner: _Owner = {
    streams: context.streams,
    release(connection, channel) {
      open--;
      channel.released++;
      if (channel.released === channel.claimed) channels.delete(channel.name);
      context.log(
        `connection #${connection.id} ${
          JSON.stringify(channel.name)
        } closed: sent ${connection.bytesSent} bytes, received ${connection.bytesReceived} bytes (${open} open)`,
      );
    },
  };
  return {
    "wetware:streams/streams": {
      createConnection(name: string): Connection {
        const bytes = new TextEncoder().encode(name).length;
        if (bytes === 0 || bytes > MAX_NAME_BYTES) {
          throw new StreamsError(
            `Channel name is ${
              bytes === 0 ? "empty" : `${bytes} bytes`
            } (names are 1 to ${MAX_NAME_BYTES} bytes)`,
            "invalid-name",
          );
        }
        let channel = channels.get(name);
        if (channel !== undefined && channel.claimed === 2) {
          throw new StreamsError(
            `Channel ${JSON.stringify(name)} already has both ends`,
            "busy",
          );
        }
        if (channel === undefined) {
          if (channels.size >= limits.maxChannels) {
            throw new StreamsError(
              `Cannot open channel ${
                JSON.stringify(name)
              }: ${limits.maxChannels} channels are open (the max_channels cap)`,
              "too-many-channels",
            );
          }
          channel = {
            name,
            pipes: [
              context.streams.pipe(limits.pipeCapacity),
              context.streams.pipe(limits.pipeCapacity),
            ],
            claimed: 0,
            released: 0,
          };
          channels.set(name, channel);
        }
        const end = channel.claimed as 0 | 1;
        channel.claimed++;
        open++;
        const connection = _make(owner, channel, end, ++lastId);
        context.log(
          `connection #${connection.id} ${
            JSON.stringify(name)
          } opened as end ${connection.end} (${open} open)`,
        );
        return connection;
      },
      Connection,
    },
  };
}

function _takenTwice(which: "input" | "output"): StreamsError {
  return new StreamsError(
    `The connection's ${which} stream was already taken (it can be taken once)`,
    undefined,
  );
}

function _readConfig(
  config: Readonly<Record<string, unknown>>,
): StreamsLimits {
  const limits: { -readonly [K in keyof StreamsLimits]: number } = {
    ...DEFAULT_LIMITS,
  };
  for (const [key, value] of Object.entries(config)) {
    if (key === "pipe_capacity") {
      // The range `context.streams.pipe` accepts, checked here so that a bad
      // value fails when the bundle loads rather than at the first connection.
      limits.pipeCapacity = _integer(key, value, 4096, 16 << 20);
    } else if (key === "max_channels") {
      limits.maxChannels = _integer(key, value, 1, _MAX_CHANNELS_CAP);
    } else {
      throw new TypeError(
        `Unknown configuration key "${key}" (known keys: pipe_capacity, max_channels)`,
      );
    }
  }
  return limits;
}

function _integer(
  key: string,
  value: unknown,
  min: number,
  max: number,
): number {
  const number = typeof value === "bigint" ? Number(value) : value;
  if (typeof number !== "number" || !Number.isInteger(number)) {
    throw new TypeError(
      `Configuration key "${key}" must be an integer, not ${
        JSON.stringify(value) ?? typeof value
      }`,
    );
  }
  if (number < min || number > max) {
    throw new RangeError(
      `Configuration key "${key}" must be from ${min} to ${max}, not ${number}`,
    );
  }
  return number;
}
