/**
 * Test helpers for the gate: a component built in memory that imports an
 * interface with a resource, transpiled by jco 1.11.2 into real glue, and an
 * audit sink that keeps events in memory.
 *
 * The component's exports `e-*` pass their arguments straight to the
 * imports and return what the host returned, so a test drives each host
 * function through jco's lifting and lowering. Resource handles cross as
 * `u32`; `err` values of the `error` enum cross as its index (`u8`).
 *
 * @module
 */
import {
  componentEmbed,
  componentNew,
  parse as parseWat,
} from "@bytecodealliance/jco";
import type {
  AuditEvent,
  AuditLevel,
  AuditSink,
} from "../audit/audit_event.ts";
import { type ImportObject, loadTranspiled } from "../component/instantiate.ts";
import { transpileComponent } from "../component/transpile.ts";
import { decodeComponentSignature } from "../wit/component_decoder.ts";
import type { WitItem } from "../wit/types.ts";

/** The interface the fixture imports, unversioned. */
export const STORE = "warden:gate-test/store";

/** The fixture's WIT. */
export const STORE_WIT = `package warden:gate-test@0.1.0;

interface store {
  enum error { not-found, access-denied }
  enum kind { person, service }
  record recipient { name: string, kind: kind }
  resource bucket {
    constructor(name: string);
    get: func(key: string) -> result<u32, error>;
    name: func() -> string;
    open: static func(name: string) -> bucket;
  }
  lookup: func(name: string) -> option<bucket>;
  count: func(bs: list<borrow<bucket>>) -> u32;
  put: func(key: string, value: list<u8>) -> result<_, error>;
  send: func(target: string, body: string) -> result<_, string>;
  notify: func(to: recipient, body: string);
  tick: func(x: u32) -> u32;
}

world gated {
  import store;
  use store.{recipient};
  export e-make: func(name: string) -> u32;
  export e-open: func(name: string) -> u32;
  export e-get: func(h: u32, key: string) -> result<u32, u8>;
  export e-name: func(h: u32) -> string;
  export e-drop: func(h: u32);
  export e-lookup: func(name: string) -> option<u32>;
  export e-count: func(hs: list<u32>) -> u32;
  export e-put: func(key: string, value: list<u8>) -> result<_, u8>;
  export e-send: func(target: string, body: string) -> result<_, string>;
  export e-notify: func(to: recipient, body: string);
  export e-tick: func(x: u32) -> u32;
}
`;

const _M = `"warden:gate-test/store@0.1.0"`;
const _WAT = `(module
  (import ${_M} "[constructor]bucket" (func $ctor (param i32 i32) (result i32)))
  (import ${_M} "[method]bucket.get" (func $get (param i32 i32 i32 i32)))
  (import ${_M} "[method]bucket.name" (func $name (param i32 i32)))
  (import ${_M} "[static]bucket.open" (func $open (param i32 i32) (result i32)))
  (import ${_M} "[resource-drop]bucket" (func $drop (param i32)))
  (import ${_M} "lookup" (func $lookup (param i32 i32 i32)))
  (import ${_M} "count" (func $count (param i32 i32) (result i32)))
  (import ${_M} "put" (func $put (param i32 i32 i32 i32 i32)))
  (import ${_M} "send" (func $send (param i32 i32 i32 i32 i32)))
  (import ${_M} "notify" (func $notify (param i32 i32 i32 i32 i32)))
  (import ${_M} "tick" (func $tick (param i32) (result i32)))
  (memory (export "memory") 2)
  (global $heap (mut i32) (i32.const 1024))
  (func (export "cabi_realloc") (param i32 i32 i32 i32) (result i32)
    (local $p i32)
    (local.set $p (i32.and
      (i32.add (global.get $heap) (i32.sub (local.get 2) (i32.const 1)))
      (i32.sub (i32.const 0) (local.get 2))))
    (global.set $heap (i32.add (local.get $p) (local.get 3)))
    (local.get $p))
  (func (export "e-make") (param i32 i32) (result i32)
    (call $ctor (local.get 0) (local.get 1)))
  (func (export "e-open") (param i32 i32) (result i32)
    (call $open (local.get 0) (local.get 1)))
  (func (export "e-get") (param i32 i32 i32) (result i32)
    (call $get (local.get 0) (local.get 1) (local.get 2) (i32.const 16))
    (i32.const 16))
  (func (export "e-name") (param i32) (result i32)
    (call $name (local.get 0) (i32.const 16)) (i32.const 16))
  (func (export "e-drop") (param i32) (call $drop (local.get 0)))
  (func (export "e-lookup") (param i32 i32) (result i32)
    (call $lookup (local.get 0) (local.get 1) (i32.const 16)) (i32.const 16))
  (func (export "e-count") (param i32 i32) (result i32)
    (call $count (local.get 0) (local.get 1)))
  (func (export "e-put") (param i32 i32 i32 i32) (result i32)
    (call $put (local.get 0) (local.get 1) (local.get 2) (local.get 3) (i32.const 16))
    (i32.const 16))
  (func (export "e-send") (param i32 i32 i32 i32) (result i32)
    (call $send (local.get 0) (local.get 1) (local.get 2) (local.get 3) (i32.const 16))
    (i32.const 16))
  (func (export "e-notify") (param i32 i32 i32 i32 i32)
    (call $notify (local.get 0) (local.get 1) (local.get 2) (local.get 3) (local.get 4)))
  (func (export "e-tick") (param i32) (result i32) (call $tick (local.get 0)))
)`;

/** The fixture's exports as jco's glue exposes them. */
export interface StoreExports {
  eMake(name: string): number;
  eOpen(name: string): number;
  eGet(handle: number, key: string): number;
  eName(handle: number): string;
  eDrop(handle: number): void;
  eLookup(name: string): number | undefined;
  eCount(handles: Uint32Array): number;
  ePut(key: string, value: Uint8Array): void;
  eSend(target: string, body: string): void;
  eNotify(to: { name: string; kind: string }, body: string): void;
  eTick(x: number): number;
}

/** The built fixture. */
export interface StoreFixture {
  /** The component's imports, as the decoder lists them. */
  readonly importsWit: readonly WitItem[];
  /**
   * Instantiates the component with an import object.
   *
   * @param imports The imports (gated or not).
   * @returns Its exports.
   */
  instantiate(imports: ImportObject): Promise<StoreExports>;
}

let _built: Promise<StoreFixture> | undefined;

/**
 * Builds (once per process) and transpiles the fixture.
 *
 * @returns The fixture.
 */
export function storeFixture(): Promise<StoreFixture> {
  _built ??= _build();
  return _built;
}

async function _build(): Promise<StoreFixture> {
  const embedded = await componentEmbed({
    binary: await parseWat(_WAT),
    witSource: STORE_WIT,
    world: "gated",
  });
  const component: Uint8Array = await componentNew(embedded, []);
  // Transpiled and loaded as a run does, so the glue is the production one.
  const loaded = await loadTranspiled(await transpileComponent(component));
  return {
    importsWit: decodeComponentSignature(component).imports,
    instantiate: async (imports) =>
      await loaded.instantiate(imports) as unknown as StoreExports,
  };
}

/** An audit sink that keeps what it is given. */
export class MemorySink implements AuditSink {
  /** The level it was made with. */
  readonly level: AuditLevel;
  /** Every event recorded, in order. */
  readonly events: AuditEvent[] = [];

  /** @param level The level to report. */
  constructor(level: AuditLevel) {
    this.level = level;
  }

  /** Keeps the event. */
  record(event: AuditEvent): void {
    this.events.push(event);
  }

  /** Nothing to write. */
  flush(): void {}

  /** Nothing to close. */
  close(): void {}
}

/**
 * The calls, as `[member, decision]`, that the store scenario of
 * `gate_jco_test.ts` makes first; the native store test drives the same
 * scenario against C and expects the same start.
 */
export const STORE_CALLS: readonly (readonly [string, string])[] = [
  ["bucket.constructor", "allow"],
  ["bucket.open", "allow"],
  ["lookup", "allow"],
  ["bucket.name", "allow"],
  ["bucket.name", "allow"],
  ["bucket.name", "allow"],
  ["lookup", "allow"],
  ["bucket.get", "allow"],
  ["bucket.get", "allow"],
];

/**
 * Each audited event as `[member, decision]`, the member being the part of
 * the call name after `#`.
 *
 * @param sink The sink that recorded them.
 * @returns The pairs, in order.
 */
export function memberDecisions(sink: MemorySink): [string, string][] {
  return sink.events.map((
    event,
  ) => [event.call.split("#")[1]!, event.decision]);
}
