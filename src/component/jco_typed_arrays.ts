/**
 * The typed arrays jco's glue uses for lists of numbers: a `list<u8>` is a
 * `Uint8Array`, a `list<f64>` a `Float64Array`, and so on.
 *
 * @module
 */
import type { WitType } from "../wit/types.ts";

/** A typed array class, as jco uses one per numeric list element type. */
export interface JcoTypedArrayClass {
  /** Bytes per element. */
  readonly BYTES_PER_ELEMENT: number;
  /** A view of a whole buffer. */
  new (buffer: ArrayBuffer): ArrayLike<unknown> & ArrayBufferView;
  /** An array of the given elements. */
  from(values: Iterable<never>): unknown;
}

/** The typed array class of each numeric list element type. */
export const JCO_TYPED_ARRAYS: Readonly<
  Partial<Record<WitType["kind"], JcoTypedArrayClass>>
> = Object.freeze({
  u8: Uint8Array,
  s8: Int8Array,
  u16: Uint16Array,
  s16: Int16Array,
  u32: Uint32Array,
  s32: Int32Array,
  u64: BigUint64Array,
  s64: BigInt64Array,
  f32: Float32Array,
  f64: Float64Array,
});
