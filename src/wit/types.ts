/**
 * The type model Warden uses for a component's imports and exports.
 *
 * It mirrors the WIT type grammar: a {@linkcode WitType} is one value type,
 * a {@linkcode WitFunction} one function signature, a {@linkcode WitInterface}
 * the functions and resources of one interface instance. A
 * {@linkcode ComponentSignature} lists what a component imports and exports.
 *
 * @module
 */

/** The scalar WIT types and `string`. */
export type WitPrimitive =
  | "bool"
  | "s8"
  | "u8"
  | "s16"
  | "u16"
  | "s32"
  | "u32"
  | "s64"
  | "u64"
  | "f32"
  | "f64"
  | "char"
  | "string";

/** A named field of a record, or a named parameter of a function. */
export interface WitField {
  /** The kebab-case name as written in WIT. */
  readonly name: string;
  /** The field's type. */
  readonly type: WitType;
}

/** One case of a variant; `type` is `null` for a case without payload. */
export interface WitCase {
  /** The kebab-case name as written in WIT. */
  readonly name: string;
  /** The payload type, or `null` when the case carries none. */
  readonly type: WitType | null;
}

/** A resource type: its name and the functions that belong to it. */
export interface WitResource {
  /** The kebab-case resource name as written in WIT. */
  readonly name: string;
  /** The fully qualified interface that defines it, when known. */
  readonly interfaceName?: string;
}

/** Any WIT value type. Named types (`record`, `variant`, …) keep their name when known. */
export type WitType =
  | { readonly kind: WitPrimitive }
  | {
    readonly kind: "list";
    readonly element: WitType;
    readonly length?: number;
  }
  | { readonly kind: "option"; readonly some: WitType }
  | {
    readonly kind: "result";
    readonly ok: WitType | null;
    readonly err: WitType | null;
  }
  | { readonly kind: "tuple"; readonly items: readonly WitType[] }
  | {
    readonly kind: "record";
    readonly name?: string;
    readonly fields: readonly WitField[];
  }
  | {
    readonly kind: "variant";
    readonly name?: string;
    readonly cases: readonly WitCase[];
  }
  | {
    readonly kind: "enum";
    readonly name?: string;
    readonly cases: readonly string[];
  }
  | {
    readonly kind: "flags";
    readonly name?: string;
    readonly flags: readonly string[];
  }
  | { readonly kind: "own"; readonly resource: WitResource }
  | { readonly kind: "borrow"; readonly resource: WitResource }
  | { readonly kind: "future"; readonly payload: WitType | null }
  | { readonly kind: "stream"; readonly payload: WitType | null }
  | { readonly kind: "error-context" };

/**
 * A function signature. Resource functions keep the component-model names
 * `[constructor]r`, `[method]r.f` and `[static]r.f` in `name`.
 */
export interface WitFunction {
  /** The kebab-case name as written in the component (see above for resources). */
  readonly name: string;
  /** Parameters in order. */
  readonly params: readonly WitField[];
  /** The single result type, or `null` when the function returns nothing. */
  readonly result: WitType | null;
  /** `true` for a component-model `async func`; absent otherwise. */
  readonly async?: boolean;
}

/** The parts of a fully qualified interface name `ns:pkg/iface@version`. */
export interface InterfaceName {
  readonly namespace: string;
  readonly package: string;
  readonly interface: string;
  /** Semver version without the `@`, when the name carries one. */
  readonly version?: string;
}

/** An interface instance a component imports or exports. */
export interface WitInterface {
  /** The name exactly as in the component, e.g. `wasi:cli/stdout@0.2.3`. */
  readonly name: string;
  /** Functions of the interface, resource functions included. */
  readonly functions: readonly WitFunction[];
  /** Resources the interface defines. */
  readonly resources: readonly WitResource[];
}

/** One import or export of a component. */
export type WitItem =
  | {
    readonly kind: "interface";
    readonly name: string;
    readonly interface: WitInterface;
  }
  | {
    readonly kind: "function";
    readonly name: string;
    readonly function: WitFunction;
  };

/** What a component imports and exports. */
export interface ComponentSignature {
  readonly imports: readonly WitItem[];
  readonly exports: readonly WitItem[];
}
