/**
 * `context.streams`: how a host bundle hands a component `wasi:io/streams`
 * resources over host bytes, and the link-time check that the run's WASI
 * can take them.
 *
 * jco's glue accepts a resource a host function returns only if it is an
 * instance of the class the run's `wasi:io/streams` import provides
 * (`Resource error: Not a valid "InputStream" resource` otherwise). The
 * streams made here are instances of the native WASI host's classes, which
 * are the same for every run, so nothing needs to be bound per run; but
 * they cannot serve a component whose WASI comes from preview2-shim (one
 * that imports `wasi:sockets` or `wasi:http`), whose streams are the shim's
 * worker-backed classes. {@linkcode checkWasiStreamsLinkable} refuses that
 * pairing before anything runs.
 *
 * @module
 */
import { ComponentLoadError } from "../errors.ts";
import { BytePipe } from "../providers/wasi/native/byte_pipe.ts";
import { DEFAULT_WASI_LIMITS } from "../providers/wasi/native/limits.ts";
import {
  type ByteSink,
  type ByteSource,
  InputStream,
  OutputStream,
} from "../providers/wasi/native/streams.ts";
import { needsPreview2Shim } from "../providers/wasi/wasi_sandbox.ts";
import type { WitInterface, WitType } from "../wit/types.ts";

/**
 * Makes `wasi:io/streams` resources for a bundle's functions to return
 * (their WIT `use wasi:io/streams@0.2.x.{input-stream, output-stream}`).
 *
 * A source or sink here is synchronous and runs on the guest's thread. A
 * plain one blocks in `read` or `write`; one with `ready` / `capacity` (as
 * a {@linkcode BytePipe}'s ends have) is non-blocking: the stream's
 * `read` returns no bytes while it is empty, `check-write` reports its
 * room, `subscribe` gives a pollable that follows it, and a blocking call
 * that could never finish (reading a pipe only this guest writes to)
 * traps rather than hanging.
 *
 * Each read returns at most `maxReadBytes` of the default WASI limits
 * (1 MiB) and `check-write` reports at most their `writeBudget` (1 MiB).
 */
export interface HostStreams {
  /**
   * Makes an `input-stream` that reads from `source`. Dropping the stream
   * (or its end) calls `source.close`.
   *
   * @param source Where the bytes come from.
   * @returns The stream, to return from a function whose WIT result is
   * (or holds) an `input-stream`.
   */
  input(source: ByteSource): InputStream;
  /**
   * Makes an `output-stream` that writes to `sink`. Dropping the stream
   * calls `sink.close`.
   *
   * @param sink Where the bytes go.
   * @returns The stream, to return from a function whose WIT result is
   * (or holds) an `output-stream`.
   */
  output(sink: ByteSink): OutputStream;
  /**
   * Makes a bounded in-memory pipe. Hand its `reader` to
   * {@linkcode HostStreams.input} and its `writer` to
   * {@linkcode HostStreams.output}, or use either end from host code.
   *
   * @param capacity The most bytes it buffers, from 4096 to 16 MiB.
   * @returns The pipe.
   * @throws {RangeError} For another capacity.
   */
  pipe(capacity: number): BytePipe;
}

/**
 * The `context.streams` of a bundle.
 *
 * @returns The stream maker.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { createHostStreams } from "./host_streams.ts";
 *
 * const streams = createHostStreams();
 * const pipe = streams.pipe(4096);
 * const out = streams.output(pipe.writer);
 * const input = streams.input(pipe.reader);
 * out.write(new Uint8Array([104, 105]));
 * assert.deepEqual(input.read(10n), new Uint8Array([104, 105]));
 * assert.equal(input.subscribe().ready(), false);
 * ```
 */
export function createHostStreams(): HostStreams {
  return Object.freeze({
    input: (source: ByteSource) => new InputStream(source, DEFAULT_WASI_LIMITS),
    output: (sink: ByteSink) => new OutputStream(sink, DEFAULT_WASI_LIMITS),
    pipe: (capacity: number) => new BytePipe(capacity),
  });
}

/**
 * Whether any function of an interface takes or returns a resource of
 * `wasi:io` (a stream, a pollable, an error), such as
 * `get-input-stream: func() -> result<input-stream>`.
 *
 * @param iface The interface.
 * @returns `true` when its functions pass `wasi:io` resources.
 * @example
 * ```ts
 * import { passesWasiIo } from "./host_streams.ts";
 * const stream = { kind: "own" as const, resource: { name: "input-stream", interfaceName: "wasi:io/streams@0.2.3" } };
 * const iface = { name: "a:b/c", resources: [], functions: [{ name: "open", params: [], result: stream }] };
 * if (!passesWasiIo(iface)) throw new Error();
 * ```
 */
export function passesWasiIo(iface: WitInterface): boolean {
  return iface.functions.some((fn) =>
    fn.params.some((p) => _mentionsWasiIo(p.type)) ||
    (fn.result !== null && _mentionsWasiIo(fn.result))
  );
}

/**
 * Refuses to serve a component whose WASI comes from preview2-shim with a
 * bundle interface that passes `wasi:io` resources: the bundle's streams
 * are the native WASI host's, which the shim-linked glue would reject on
 * the first call.
 *
 * @param component The component's file path and the names of its
 * imports (with or without versions).
 * @param bundle The name of the bundle serving `iface`.
 * @param iface The bundle interface that serves one of its imports.
 * @throws {ComponentLoadError} When the component imports `wasi:sockets`
 * or `wasi:http` and `iface` passes `wasi:io` resources.
 * @example
 * ```ts ignore
 * checkWasiStreamsLinkable({ path: "app.wasm", imports }, "streams", iface);
 * ```
 */
export function checkWasiStreamsLinkable(
  component: { readonly path: string; readonly imports: readonly string[] },
  bundle: string,
  iface: WitInterface,
): void {
  if (!needsPreview2Shim(component.imports) || !passesWasiIo(iface)) return;
  const shimmed = component.imports.find((name) =>
    name.startsWith("wasi:sockets/") || name.startsWith("wasi:http/")
  );
  throw new ComponentLoadError(
    component.path,
    `Cannot link "${component.path}": host bundle "${bundle}" passes wasi:io streams through "${iface.name}", which only Warden's native WASI supports, but the component imports "${shimmed}", so its WASI comes from preview2-shim (use the bundle with a component that imports neither wasi:sockets nor wasi:http)`,
  );
}

function _mentionsWasiIo(type: WitType): boolean {
  switch (type.kind) {
    case "own":
    case "borrow":
      return type.resource.interfaceName?.startsWith("wasi:io/") ?? false;
    case "list":
      return _mentionsWasiIo(type.element);
    case "option":
      return _mentionsWasiIo(type.some);
    case "result":
      return (type.ok !== null && _mentionsWasiIo(type.ok)) ||
        (type.err !== null && _mentionsWasiIo(type.err));
    case "tuple":
      return type.items.some(_mentionsWasiIo);
    case "record":
      return type.fields.some((f) => _mentionsWasiIo(f.type));
    case "variant":
      return type.cases.some((c) => c.type !== null && _mentionsWasiIo(c.type));
    case "future":
    case "stream":
      return type.payload !== null && _mentionsWasiIo(type.payload);
    default:
      return false;
  }
}
