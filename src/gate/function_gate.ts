/**
 * The per-call part of the gate: how one member's calls are admitted or
 * denied, audited, and passed to the host.
 *
 * Everything that does not depend on the arguments is worked out when the
 * gate links: which grants cover the member, which argument rules apply to
 * which parameter, how each parameter is measured, the error value for a
 * denial, and each digest's type. A call then runs, for each grant that
 * covers the member (usually one), in this order and before the host
 * function sees anything: the input limits, `read-only`, the argument
 * rules, the quotas, and the rate. The first grant that admits the call
 * allows it and is charged for it; when none does, the first grant's
 * refusal is the denial.
 *
 * @module
 */
import type { ArgumentDigest, AuditSink } from "../audit/audit_event.ts";
import { formatWitType } from "../wit/format.ts";
import type { WitField } from "../wit/types.ts";
import type { ArgumentCheck } from "./argument_rules.ts";
import { CapabilityDeniedError } from "./denial.ts";
import { formatGrant, type Grant } from "./grant.ts";
import { formatRate, formatSize } from "./grant_rules.ts";
import {
  type ArgumentMeter,
  argumentMeter,
  type InputLimits,
  LIST_OVER,
  STRING_OVER,
} from "./input_limits.ts";
import { type Clock, type Sleep, TokenBucket } from "./rate_limiter.ts";

/** What every member's gate of one component shares. */
export interface GateContext {
  /** The component's name, in audit records and denials. */
  readonly component: string;
  /** Where decisions go, if anywhere. */
  readonly sink: AuditSink | undefined;
  /** Whether allowed calls are recorded (the sink's level is `all`). */
  readonly auditAll: boolean;
  /** Whether denials are recorded (the sink's level is `all` or `denials`). */
  readonly auditDenials: boolean;
  /** The clock for rates and durations, in milliseconds. */
  readonly clock: Clock;
  /** Blocks for `rate=...:wait`. */
  readonly sleep: Sleep;
}

/** A grant's running totals, shared by every member it covers. */
export interface QuotaUse {
  /** Calls admitted so far. */
  calls: number;
  /** Payload bytes admitted so far. */
  bytes: number;
}

/** How one grant admits calls of one member. */
export class Admission {
  /** The grant. */
  readonly grant: Grant;
  /** The grant as a `--grant` value. */
  readonly grantText: string;
  /** The rule an allowed call's audit record names. */
  readonly allowRule: string;
  /** Whether a call needs any check at all. */
  readonly perCall: boolean;
  readonly #meterIndex: readonly number[];
  readonly #meters: readonly ArgumentMeter[];
  readonly #limits: InputLimits;
  readonly #checks: readonly ArgumentCheck[];
  readonly #writes: ((args: readonly unknown[]) => boolean) | undefined;
  readonly #quota: QuotaUse | undefined;
  readonly #bucket: TokenBucket | undefined;
  readonly #wait: boolean;
  readonly #context: GateContext;

  /**
   * @param grant The grant.
   * @param parts What applies to this member: its parameters' meters, the
   * limits, the argument checks, the `read-only` test, the grant's quota
   * totals (when it has quotas) and the context.
   */
  constructor(
    grant: Grant,
    parts: {
      readonly params: readonly WitField[];
      readonly limits: InputLimits;
      readonly checks: readonly ArgumentCheck[];
      readonly writes: ((args: readonly unknown[]) => boolean) | undefined;
      readonly quota: QuotaUse | undefined;
      readonly context: GateContext;
    },
  ) {
    this.grant = grant;
    this.grantText = formatGrant(grant);
    this.allowRule = `grant ${this.grantText}${
      grant.via === undefined ? "" : ` (${grant.via})`
    }`;
    const meterIndex: number[] = [];
    const meters: ArgumentMeter[] = [];
    parts.params.forEach((p, i) => {
      const meter = argumentMeter(p.type);
      if (meter === null) return;
      meterIndex.push(i);
      meters.push(meter);
    });
    this.#meterIndex = meterIndex;
    this.#meters = meters;
    this.#limits = parts.limits;
    this.#checks = parts.checks;
    this.#writes = parts.writes;
    this.#quota = parts.quota;
    this.#context = parts.context;
    const rate = grant.rules.rate;
    this.#bucket = rate === undefined
      ? undefined
      : new TokenBucket(rate, parts.context.clock());
    this.#wait = rate?.mode === "wait";
    this.perCall = meters.length > 0 || parts.checks.length > 0 ||
      parts.writes !== undefined || parts.quota !== undefined ||
      rate !== undefined;
  }

  /**
   * Decides a call, and charges the grant's quotas and rate when it is
   * admitted. With `rate=...:wait`, blocks until the rate allows the call.
   *
   * @param args The arguments as jco passes them.
   * @returns `undefined` when admitted, else the rule that refuses it.
   */
  admit(args: readonly unknown[]): string | undefined {
    if (!this.perCall) return undefined;
    const limits = this.#limits;
    const meters = this.#meters;
    const meterIndex = this.#meterIndex;
    let bound = 0;
    for (let i = 0; i < meters.length; i++) {
      const n = meters[i]!.check(args[meterIndex[i]!], limits);
      if (n === STRING_OVER) {
        return `limit.string=${formatSize(limits.string)}`;
      }
      if (n === LIST_OVER) return `limit.list=${limits.list}`;
      bound += n;
    }
    let bytes = -1;
    if (bound > limits.payload) {
      bytes = this.#bytes(args);
      if (bytes > limits.payload) {
        return `limit.payload=${formatSize(limits.payload)}`;
      }
    }
    if (this.#writes !== undefined && this.#writes(args)) return "read-only";
    const checks = this.#checks;
    for (let i = 0; i < checks.length; i++) {
      const check = checks[i]!;
      if (!check.test(args[check.index])) return check.rule;
    }
    const quota = this.grant.rules.quota;
    const use = this.#quota;
    if (use !== undefined && quota !== undefined) {
      if (quota.calls !== undefined && use.calls >= quota.calls) {
        return `quota.calls=${quota.calls}`;
      }
      if (quota.bytes !== undefined) {
        if (bytes < 0) bytes = this.#bytes(args);
        if (use.bytes + bytes > quota.bytes) {
          return `quota.bytes=${formatSize(quota.bytes)}`;
        }
      }
    }
    const bucket = this.#bucket;
    if (bucket !== undefined) {
      const clock = this.#context.clock;
      let wait = bucket.take(clock());
      if (wait > 0 && !this.#wait) {
        return `rate=${formatRate(this.grant.rules.rate!)}`;
      }
      while (wait > 0) {
        this.#context.sleep(wait);
        wait = bucket.take(clock());
      }
    }
    if (use !== undefined) {
      use.calls++;
      if (quota?.bytes !== undefined) use.bytes += bytes;
    }
    return undefined;
  }

  #bytes(args: readonly unknown[]): number {
    let total = 0;
    for (let i = 0; i < this.#meters.length; i++) {
      total += this.#meters[i]!.bytes(args[this.#meterIndex[i]!]);
    }
    return total;
  }
}

/** Calls the host: `self` is what jco called the member on. */
export type Invoke = (self: unknown, args: unknown[]) => unknown;

/**
 * How a gated member reaches the host: `direct`ly (a function called with
 * `self` as `this` and the guest's arguments unchanged), or through an
 * `invoke` that may swap resource objects in the arguments and result.
 */
export type HostCall =
  | {
    readonly direct: (...args: unknown[]) => unknown;
    readonly self: unknown;
  }
  | { readonly invoke: Invoke };

/** Everything the gate needs to gate one member's calls. */
export interface MemberGate {
  /** The full call name. */
  readonly call: string;
  /** The parameters as jco passes them. */
  readonly params: readonly WitField[];
  /** The grants that may admit its calls, in order; empty when denied. */
  readonly admissions: readonly Admission[];
  /** The rule and grant of a denial when no grant may admit a call. */
  readonly refusal: { readonly rule: string; readonly grant?: string };
  /** Turns a denial message into the interface's error value, if it has one. */
  readonly errorValue: ((message: string) => unknown) | undefined;
}

type _Decide = (args: readonly unknown[]) => Admission;
/**
 * What a call's record carries about its arguments, measured before the
 * host is called: their digests for `AuditSink.record()`, or only the sizes
 * for an `AuditRecorder` (a number for one sized argument: no allocation).
 */
type _Measured = readonly ArgumentDigest[] | number | readonly number[];
type _Record = (
  admission: Admission,
  measured: _Measured,
  start: number,
) => void;
/** How an allowed call is measured and recorded at level `all`. */
interface _Audit {
  readonly measure: (args: readonly unknown[]) => _Measured;
  readonly record: _Record;
}

/**
 * Makes the function jco calls for a gated member: it admits or denies each
 * call, records it as the audit level asks, and calls the host.
 *
 * Members with up to four parameters that reach the host directly get a
 * wrapper of their arity, which collects the arguments in an array it
 * reuses rather than one per call; the others take a rest parameter.
 *
 * @param gate The member's gate.
 * @param context The component's shared context.
 * @param host How to call the host.
 * @returns The gated function (a method when the host call uses `self`).
 */
export function gatedFunction(
  gate: MemberGate,
  context: GateContext,
  host: HostCall,
): (...args: unknown[]) => unknown {
  const digest = _digester(gate.params);
  const { component, sink, clock } = context;
  const deny = (
    rule: string,
    grant: string | undefined,
    args: readonly unknown[],
  ): never => {
    if (context.auditDenials) {
      sink!.record({
        component,
        call: gate.call,
        decision: "deny",
        rule,
        durationNs: 0,
        args: digest(args),
      });
    }
    const error = new CapabilityDeniedError(
      component,
      gate.call,
      rule,
      grant === undefined ? {} : { grant },
    );
    if (gate.errorValue !== undefined) {
      Object.defineProperty(error, "payload", {
        value: gate.errorValue(error.message),
      });
    }
    throw error;
  };
  const { admissions, refusal } = gate;
  if (admissions.length === 0) {
    return function denied(...args: unknown[]): unknown {
      return deny(refusal.rule, refusal.grant, args);
    };
  }
  const only = admissions.length === 1 ? admissions[0]! : undefined;
  const decide: _Decide = only !== undefined
    ? (args) => {
      const rule = only.admit(args);
      return rule === undefined ? only : deny(rule, only.grantText, args);
    }
    : (args) => {
      let first: string | undefined;
      for (const admission of admissions) {
        const rule = admission.admit(args);
        if (rule === undefined) return admission;
        first ??= rule;
      }
      return deny(first!, admissions[0]!.grantText, args);
    };
  const audit = context.auditAll ? _allowedAudit(gate, context, digest) : null;
  if ("direct" in host && gate.params.length <= 4) {
    return audit === null
      ? _direct(gate.params.length, host.direct, host.self, decide)
      : _directAudited(
        gate.params.length,
        host.direct,
        host.self,
        decide,
        { clock, ...audit },
      );
  }
  const invoke: Invoke = "invoke" in host
    ? host.invoke
    : (_, args) => Reflect.apply(host.direct, host.self, args);
  if (audit === null) {
    return function gated(this: unknown, ...args: unknown[]): unknown {
      decide(args);
      return invoke(this, args);
    };
  }
  const { measure, record } = audit;
  return function audited(this: unknown, ...args: unknown[]): unknown {
    const start = clock();
    const admission = decide(args);
    const measured = measure(args);
    try {
      return invoke(this, args);
    } finally {
      record(admission, measured, start);
    }
  };
}

type _Fn = (...args: unknown[]) => unknown;

/**
 * Wrappers of arity 0–4. The arguments are collected in one array per
 * member, reused by every call: it is read only before the host is called,
 * so a call the host makes back into the guest cannot disturb it.
 */
function _direct(n: number, fn: _Fn, self: unknown, decide: _Decide): _Fn {
  const s: unknown[] = new Array(n).fill(undefined);
  switch (n) {
    case 0:
      return function () {
        decide(s);
        return fn.call(self);
      };
    case 1:
      return function (a: unknown) {
        s[0] = a;
        decide(s);
        return fn.call(self, a);
      } as _Fn;
    case 2:
      return function (a: unknown, b: unknown) {
        s[0] = a;
        s[1] = b;
        decide(s);
        return fn.call(self, a, b);
      } as _Fn;
    case 3:
      return function (a: unknown, b: unknown, c: unknown) {
        s[0] = a;
        s[1] = b;
        s[2] = c;
        decide(s);
        return fn.call(self, a, b, c);
      } as _Fn;
    default:
      return function (a: unknown, b: unknown, c: unknown, d: unknown) {
        s[0] = a;
        s[1] = b;
        s[2] = c;
        s[3] = d;
        decide(s);
        return fn.call(self, a, b, c, d);
      } as _Fn;
  }
}

/** {@linkcode _direct} with every allowed call timed and recorded. */
function _directAudited(
  n: number,
  fn: _Fn,
  self: unknown,
  decide: _Decide,
  audit: {
    readonly clock: Clock;
    readonly measure: (args: readonly unknown[]) => _Measured;
    readonly record: _Record;
  },
): _Fn {
  const { clock, measure, record } = audit;
  const s: unknown[] = new Array(n).fill(undefined);
  switch (n) {
    case 0:
      return function () {
        const start = clock();
        const admission = decide(s);
        const measured = measure(s);
        try {
          return fn.call(self);
        } finally {
          record(admission, measured, start);
        }
      };
    case 1:
      return function (a: unknown) {
        const start = clock();
        s[0] = a;
        const admission = decide(s);
        const measured = measure(s);
        try {
          return fn.call(self, a);
        } finally {
          record(admission, measured, start);
        }
      } as _Fn;
    case 2:
      return function (a: unknown, b: unknown) {
        const start = clock();
        s[0] = a;
        s[1] = b;
        const admission = decide(s);
        const measured = measure(s);
        try {
          return fn.call(self, a, b);
        } finally {
          record(admission, measured, start);
        }
      } as _Fn;
    case 3:
      return function (a: unknown, b: unknown, c: unknown) {
        const start = clock();
        s[0] = a;
        s[1] = b;
        s[2] = c;
        const admission = decide(s);
        const measured = measure(s);
        try {
          return fn.call(self, a, b, c);
        } finally {
          record(admission, measured, start);
        }
      } as _Fn;
    default:
      return function (a: unknown, b: unknown, c: unknown, d: unknown) {
        const start = clock();
        s[0] = a;
        s[1] = b;
        s[2] = c;
        s[3] = d;
        const admission = decide(s);
        const measured = measure(s);
        try {
          return fn.call(self, a, b, c, d);
        } finally {
          record(admission, measured, start);
        }
      } as _Fn;
  }
}

/**
 * How an allowed call is measured and recorded at level `all`: through the
 * sink's recorder for each of the member's rules when it has one (no event
 * object, no per-call lookup, sizes only), else as an event to `record()`.
 */
function _allowedAudit(
  gate: MemberGate,
  context: GateContext,
  digest: (args: readonly unknown[]) => readonly ArgumentDigest[],
): _Audit {
  const { component, sink, clock } = context;
  if (sink!.recorder === undefined) {
    return {
      measure: digest,
      record: (admission, args, start) =>
        sink!.record({
          component,
          call: gate.call,
          decision: "allow",
          rule: admission.allowRule,
          durationNs: Math.round((clock() - start) * 1e6),
          at: start,
          args: args as readonly ArgumentDigest[],
        }),
    };
  }
  const meters = gate.params.map((p) => argumentMeter(p.type));
  const shape = gate.params.map((p, i): ArgumentDigest => {
    const type = formatWitType(p.type);
    return meters[i] === null ? { type } : { type, size: 0 };
  });
  const sized = meters.flatMap((meter, i) =>
    meter === null ? [] : [{ meter, i }]
  );
  const recorders = new Map(gate.admissions.map((admission) => [
    admission,
    sink!.recorder!({
      component,
      call: gate.call,
      decision: "allow",
      rule: admission.allowRule,
      args: shape,
    }),
  ]));
  const only = sized.length === 1 ? sized[0]! : undefined;
  const measure = sized.length === 0
    ? () => _NO_SIZES
    : only !== undefined
    ? (args: readonly unknown[]) => only.meter.size(args[only.i])
    : (args: readonly unknown[]) => sized.map((s) => s.meter.size(args[s.i]));
  if (recorders.size === 1) {
    const [recorder] = recorders.values();
    return {
      measure,
      record: (_, sizes, start) =>
        recorder!(
          start,
          Math.round((clock() - start) * 1e6),
          sizes as number | readonly number[],
        ),
    };
  }
  return {
    measure,
    record: (admission, sizes, start) =>
      recorders.get(admission)!(
        start,
        Math.round((clock() - start) * 1e6),
        sizes as number | readonly number[],
      ),
  };
}

const _NO_SIZES: readonly number[] = Object.freeze([]);

/** Builds the argument digests of a call: types fixed at link time, sizes read per call. */
function _digester(
  params: readonly WitField[],
): (args: readonly unknown[]) => readonly ArgumentDigest[] {
  const parts = params.map((p) => {
    const type = formatWitType(p.type);
    const meter = argumentMeter(p.type);
    return meter === null
      ? { fixed: Object.freeze({ type }) as ArgumentDigest }
      : { type, meter };
  });
  if (parts.every((p) => p.fixed !== undefined)) {
    const fixed = Object.freeze(parts.map((p) => p.fixed!));
    return () => fixed;
  }
  return (args) =>
    parts.map((p, i) =>
      p.fixed ?? { type: p.type!, size: p.meter!.size(args[i]) }
    );
}
