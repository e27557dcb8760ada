/**
 * The capability gate: every function, constructor, method and static of
 * every import passes it before the component is linked.
 *
 * {@linkcode gateImports} takes the host imports a component needs (keyed
 * by unversioned interface name, as jco's glue expects them) and its
 * decoded imports, and returns a new import object of the same shape in
 * which:
 *
 * - an import no grant names is not linked at all: the call throws
 *   {@linkcode UngrantedImportError} before anything runs;
 * - a member no grant covers is replaced by a function that denies every
 *   call;
 * - a member whose calls need checking (argument rules, input limits,
 *   `read-only`, quotas, rates) or recording (audit level `all`) is wrapped;
 * - a member every call of which is allowed unchecked (granted without
 *   rules, no parameter an input limit applies to, and an audit level that
 *   records no allowed call) is decided once, here, and linked as the host's
 *   own function: a wrapper would only cost a call frame
 *   ({@linkcode gateDecisions} lists it as `"static"`).
 *
 * Resource classes are handed over as gated stand-ins (see
 * `resource_gate.ts`) whenever any of their members is wrapped.
 *
 * @module
 */
import type { AuditSink } from "../audit/audit_event.ts";
import type { ImportObject } from "../component/instantiate.ts";
import { GrantSyntaxError } from "../errors.ts";
import type {
  WitField,
  WitFunction,
  WitItem,
  WitResource,
} from "../wit/types.ts";
import { type ArgumentCheck, compileArgumentRule } from "./argument_rules.ts";
import {
  callName,
  jcoClassName,
  type WitMember,
  witMember,
} from "./call_names.ts";
import { permissionError } from "./denial.ts";
import {
  Admission,
  type GateContext,
  gatedFunction,
  type HostCall,
  type Invoke,
  type MemberGate,
  type QuotaUse,
} from "./function_gate.ts";
import { formatGrant, type Grant, grantCovers, grantNames } from "./grant.ts";
import { argumentRuleKey, RULE_PARAMETERS } from "./grant_rules.ts";
import { DEFAULT_INPUT_LIMITS, type InputLimits } from "./input_limits.ts";
import {
  type ManifestGrantsTable,
  missingGrants,
  UngrantedImportError,
} from "./missing_grants.ts";
import { type Clock, type Sleep, sleepSync } from "./rate_limiter.ts";
import { callClock } from "./call_clock.ts";
import { writeClass } from "./read_only.ts";
import {
  callTarget,
  type ClassLookup,
  gateClass,
  type GatedClass,
  mentionsResource,
  withResources,
} from "./resource_gate.ts";

/** Options for {@linkcode gateImports}. */
export interface GateOptions {
  /** The component's name, in audit records and errors. */
  readonly component: string;
  /** What it may call: `--grant`s, manifest grants, implicit WASI grants. */
  readonly grants: readonly Grant[];
  /**
   * Where decisions are recorded, at the sink's level.
   * @default undefined (nothing is recorded)
   */
  readonly audit?: AuditSink;
  /**
   * Input limits for every call, below any a grant sets.
   * @default DEFAULT_INPUT_LIMITS
   */
  readonly limits?: Partial<InputLimits>;
  /**
   * The clock for rates and call durations, in milliseconds on
   * `performance.now()`'s time base.
   * @default callClock() (the tick counter or libc's monotonic clock, through FFI, where allowed)
   * when every call is audited or a grant has a rate, else performance.now
   */
  readonly clock?: Clock;
  /**
   * Blocks the thread for `rate=...:wait`.
   * @default sleepSync (Atomics.wait)
   */
  readonly sleep?: Sleep;
  /**
   * The manifest table the grants come from, for the line an
   * {@linkcode UngrantedImportError} asks to add there.
   * @default undefined (the error names the flag only)
   */
  readonly grantsTable?: ManifestGrantsTable;
}

/** How the gate linked one member. */
export interface GateDecision {
  /** The full call name. */
  readonly call: string;
  /**
   * `static`: every call allowed unchecked, linked as the host's function;
   * `checked`: wrapped, each call checked (and recorded at level `all`);
   * `denied`: every call denied.
   */
  readonly mode: "static" | "checked" | "denied";
  /** The grants that cover it, as `--grant` values. */
  readonly grants: readonly string[];
}

const _decisions = new WeakMap<object, readonly GateDecision[]>();

/**
 * Gates a component's host imports (see the module documentation).
 *
 * @param imports The host imports, keyed by unversioned interface name (a
 * world-level function under its name, as `{ default: fn }`).
 * @param importsWit The component's imports, from its decoded signature.
 * @param options The component's name, grants, audit sink and limits.
 * @returns A new import object to instantiate the component with.
 * @throws {UngrantedImportError} When an import has no grant; nothing is
 * linked.
 * @throws {GrantSyntaxError} When a grant does not fit the import it names:
 * a function the interface lacks, or an argument rule that applies to no
 * parameter of the functions it covers or to one of a type it cannot read.
 * @throws {TypeError} When `imports` lacks an interface the component imports.
 * @example
 * ```ts ignore
 * const gated = gateImports(linked, component.signature.imports, {
 *   component: component.file.name,
 *   grants: [parseGrant("keyvalue:store/store#get prefix=user/"), ...wasiGrants],
 *   audit: sink,
 * });
 * const instance = await component.loaded.instantiate(gated);
 * ```
 */
export function gateImports(
  imports: ImportObject,
  importsWit: readonly WitItem[],
  options: GateOptions,
): ImportObject {
  const missing = missingGrants(importsWit, options.grants);
  if (missing.length > 0) {
    throw new UngrantedImportError(
      options.component,
      missing,
      options.grantsTable === undefined
        ? {}
        : { grantsTable: options.grantsTable },
    );
  }
  const level = options.audit?.level ?? "off";
  const context: GateContext = {
    component: options.component,
    sink: options.audit,
    auditAll: level === "all",
    auditDenials: level !== "off",
    // The fast clock opens libc (~1 ms): only for runs that read a clock.
    clock: options.clock ??
      (level === "all" || options.grants.some((g) => g.rules.rate)
        ? callClock()
        : () => performance.now()),
    sleep: options.sleep ?? sleepSync,
  };
  const limits = { ...DEFAULT_INPUT_LIMITS, ...options.limits };
  const quotas = new Map<Grant, QuotaUse>();
  const members: _Member[] = [];
  for (const item of importsWit) {
    const grants = options.grants.filter((g) => grantNames(g, item.name));
    const functions = item.kind === "function"
      ? [item.function]
      : item.interface.functions;
    const interfaceName = item.kind === "function" ? undefined : item.name;
    const unversioned = item.name.split("@")[0]!;
    const host = imports[unversioned];
    if (host === undefined) {
      throw new TypeError(
        `Cannot gate "${item.name}": the import object has no "${unversioned}"`,
      );
    }
    const planned = functions.map((fn) => witMember(fn));
    _checkMembers(item, planned, grants);
    const applied = new Map<string, boolean>();
    functions.forEach((fn, i) => {
      const member = planned[i]!;
      members.push(
        _planMember({
          interfaceName,
          unversioned,
          fn,
          member,
          grants,
          context,
          limits,
          quotas,
          applied,
        }),
      );
    });
    _checkRulesApplied(item, grants, applied);
  }
  const classes = _gateClasses(importsWit, imports, members);
  const gated: ImportObject = {};
  for (const item of importsWit) {
    const unversioned = item.name.split("@")[0]!;
    const host = imports[unversioned]!;
    if (item.kind === "function") {
      gated[unversioned] = {};
      continue;
    }
    const out: Record<string, unknown> = {};
    for (const resource of item.interface.resources) {
      const property = jcoClassName(resource.name);
      out[property] = classes.get(_classKey(item.name, resource.name))?.gated ??
        host[property];
    }
    gated[unversioned] = out;
  }
  const decisions: GateDecision[] = [];
  for (const m of members) {
    const lookup = (resource: WitResource) =>
      classes.get(
        _classKey(
          resource.interfaceName ?? m.interfaceName ?? "",
          resource.name,
        ),
      );
    const owner = m.member.resource === undefined
      ? undefined
      : classes.get(_classKey(m.interfaceName ?? "", m.member.resource));
    const isStatic = owner === undefined && m.member.resource === undefined &&
      m.eligible && !mentionsResource(m.fn, (r) => lookup(r) !== undefined);
    const target = gated[m.unversioned]!;
    const hostObject = imports[m.unversioned]!;
    decisions.push({
      call: m.gate.call,
      mode: m.gate.admissions.length === 0
        ? "denied"
        : isStatic || (owner === undefined && m.member.resource !== undefined)
        ? "static"
        : "checked",
      grants: m.gate.admissions.map((a) => a.grantText),
    });
    if (m.member.resource !== undefined) {
      if (owner !== undefined) _installMember(m, owner, lookup, context);
      continue;
    }
    const key = m.interfaceName === undefined ? "default" : m.member.property;
    const hostFn = hostObject[key] as
      | ((...a: unknown[]) => unknown)
      | undefined;
    const denied = m.gate.admissions.length === 0;
    target[key] = isStatic || (hostFn === undefined && !denied)
      ? hostFn
      : gatedFunction(
        m.gate,
        context,
        _hostCall(m.fn, lookup, hostFn ?? _missing, undefined),
      );
  }
  for (const value of Object.values(gated)) Object.freeze(value);
  Object.freeze(gated);
  _decisions.set(gated, Object.freeze(decisions));
  return gated;
}

function _missing(): never {
  throw new TypeError("The host does not implement this function");
}

/**
 * How {@linkcode gateImports} linked each member of an import object it
 * made: for tests and diagnostics that check no member escaped the gate.
 *
 * @param gated An import object {@linkcode gateImports} returned.
 * @returns One decision per member, or `undefined` for any other object.
 */
export function gateDecisions(
  gated: ImportObject,
): readonly GateDecision[] | undefined {
  return _decisions.get(gated);
}

interface _Member {
  readonly interfaceName: string | undefined;
  readonly unversioned: string;
  readonly fn: WitFunction;
  readonly member: WitMember;
  readonly gate: MemberGate;
  /** Some grant admits every call unchecked, and no call is recorded. */
  readonly eligible: boolean;
}

function _planMember(p: {
  interfaceName: string | undefined;
  unversioned: string;
  fn: WitFunction;
  member: WitMember;
  grants: readonly Grant[];
  context: GateContext;
  limits: InputLimits;
  quotas: Map<Grant, QuotaUse>;
  applied: Map<string, boolean>;
}): _Member {
  const { member, fn, context } = p;
  const params: readonly WitField[] = member.kind === "method"
    ? fn.params.slice(1)
    : fn.params;
  const covering = p.grants.filter((g) => grantCovers(g, member.name));
  const admissions: Admission[] = [];
  let readOnlyRefusal: Grant | undefined;
  for (const grant of covering) {
    const rules = grant.rules;
    const checks: ArgumentCheck[] = [];
    rules.args.forEach((rule, index) => {
      let compiled: ArgumentCheck[];
      try {
        compiled = compileArgumentRule(rule, params);
      } catch (error) {
        if (!(error instanceof TypeError)) throw error;
        throw new GrantSyntaxError(
          formatGrant(grant),
          `Grant "${formatGrant(grant)}" does not fit "${
            callName(p.interfaceName, member.name)
          }": rule ${argumentRuleKey(rule)} cannot apply, ${error.message}`,
        );
      }
      const key = `${p.grants.indexOf(grant)}:${index}`;
      p.applied.set(key, (p.applied.get(key) ?? false) || compiled.length > 0);
      checks.push(...compiled);
    });
    let writes: ((args: readonly unknown[]) => boolean) | undefined;
    if (rules.readOnly) {
      const kind = writeClass(p.unversioned, member);
      if (kind === "write") {
        readOnlyRefusal ??= grant;
        continue;
      }
      if (kind !== "read") writes = kind;
    }
    let quota: QuotaUse | undefined;
    if (rules.quota !== undefined) {
      quota = p.quotas.get(grant);
      if (quota === undefined) {
        quota = { calls: 0, bytes: 0 };
        p.quotas.set(grant, quota);
      }
    }
    admissions.push(
      new Admission(grant, {
        params,
        limits: { ...p.limits, ...rules.limits },
        checks,
        writes,
        quota,
        context,
      }),
    );
  }
  const call = callName(p.interfaceName, member.name);
  const gate: MemberGate = {
    call,
    params,
    admissions,
    refusal: readOnlyRefusal !== undefined
      ? { rule: "read-only", grant: formatGrant(readOnlyRefusal) }
      : p.grants.length === 0
      ? { rule: "not granted" }
      : { rule: "not granted", grant: p.grants.map(formatGrant).join("; ") },
    errorValue: permissionError(fn.result),
  };
  return {
    interfaceName: p.interfaceName,
    unversioned: p.unversioned,
    fn,
    member,
    gate,
    eligible: !context.auditAll && admissions.some((a) => !a.perCall),
  };
}

/** Every member a grant lists must exist in the interface. */
function _checkMembers(
  item: WitItem,
  members: readonly WitMember[],
  grants: readonly Grant[],
): void {
  const known = new Set<string>();
  for (const m of members) {
    known.add(m.name);
    if (m.resource !== undefined) known.add(m.resource);
  }
  if (item.kind === "interface") {
    for (const r of item.interface.resources) known.add(r.name);
  }
  for (const grant of grants) {
    for (const name of grant.members ?? []) {
      if (known.has(name)) continue;
      const text = formatGrant(grant);
      throw new GrantSyntaxError(
        text,
        `Grant "${text}" does not fit "${item.name}": it has no function "${name}" (its functions: ${
          [...known].sort().join(", ") || "none"
        })`,
      );
    }
  }
}

/** Every argument rule must apply to a parameter of some member it covers. */
function _checkRulesApplied(
  item: WitItem,
  grants: readonly Grant[],
  applied: ReadonlyMap<string, boolean>,
): void {
  grants.forEach((grant, g) => {
    grant.rules.args.forEach((rule, index) => {
      if (applied.get(`${g}:${index}`) === true) return;
      const text = formatGrant(grant);
      const params = rule.kind === "arg"
        ? `a parameter "${rule.param?.[0]}"`
        : `parameters named ${RULE_PARAMETERS[rule.kind]}`;
      throw new GrantSyntaxError(
        text,
        `Grant "${text}" does not fit "${item.name}": rule ${
          argumentRuleKey(rule)
        } applies to no granted function (none has ${params})`,
      );
    });
  });
}

function _classKey(interfaceName: string, resource: string): string {
  return `${interfaceName}#${resource}`;
}

/**
 * Decides which resource classes get gated stand-ins: those with a member
 * that is not linked as the host's own, and, until nothing changes, those
 * with a member that passes or returns an object of a gated class.
 */
function _gateClasses(
  importsWit: readonly WitItem[],
  imports: ImportObject,
  members: readonly _Member[],
): Map<string, GatedClass> {
  const wrapped = new Set<string>();
  const keyOf = (m: _Member) =>
    _classKey(m.interfaceName ?? "", m.member.resource!);
  for (const m of members) {
    if (m.member.resource !== undefined && !m.eligible) wrapped.add(keyOf(m));
  }
  for (let changed = true; changed;) {
    changed = false;
    for (const m of members) {
      if (m.member.resource === undefined || wrapped.has(keyOf(m))) continue;
      const touches = mentionsResource(m.fn, (r) =>
        wrapped.has(
          _classKey(r.interfaceName ?? m.interfaceName ?? "", r.name),
        ));
      if (touches) {
        wrapped.add(keyOf(m));
        changed = true;
      }
    }
  }
  const classes = new Map<string, GatedClass>();
  for (const item of importsWit) {
    if (item.kind !== "interface") continue;
    const host = imports[item.name.split("@")[0]!]!;
    for (const resource of item.interface.resources) {
      const key = _classKey(item.name, resource.name);
      const property = jcoClassName(resource.name);
      const original = host[property];
      if (!wrapped.has(key) || typeof original !== "function") continue;
      classes.set(
        key,
        gateClass(original as new () => unknown, property),
      );
    }
  }
  return classes;
}

/** Installs a member of a gated class: constructor, method or static. */
function _installMember(
  m: _Member,
  owner: GatedClass,
  lookup: ClassLookup,
  context: GateContext,
): void {
  const { member } = m;
  const original = owner.original as unknown as Record<string, unknown>;
  if (member.kind === "constructor") {
    const construct = gatedFunction(m.gate, context, {
      invoke: withResources(
        m.fn,
        lookup,
        (_, args) => Reflect.construct(owner.original, args),
      ),
    });
    owner.construct = (args) => Reflect.apply(construct, undefined, args);
    return;
  }
  if (member.kind === "static") {
    const hostFn = original[member.property];
    if (typeof hostFn !== "function") return;
    Object.defineProperty(owner.gated, member.property, {
      value: gatedFunction(
        m.gate,
        context,
        _hostCall(
          m.fn,
          lookup,
          hostFn as (...a: unknown[]) => unknown,
          original,
        ),
      ),
      writable: true,
      configurable: true,
    });
    return;
  }
  const property = member.property;
  Object.defineProperty(owner.prototype, property, {
    value: gatedFunction(m.gate, context, {
      invoke: withResources(
        m.fn,
        lookup,
        (self, args) => callTarget(self, property, args),
      ),
    }),
    writable: true,
    configurable: true,
  });
}

/**
 * A plain or static host function: called directly when no resource object
 * crosses in its arguments or result, else through `withResources`.
 */
function _hostCall(
  fn: WitFunction,
  lookup: ClassLookup,
  hostFn: (...args: unknown[]) => unknown,
  self: unknown,
): HostCall {
  const call: Invoke = (_, args) => Reflect.apply(hostFn, self, args);
  const invoke = withResources(fn, lookup, call);
  return invoke === call ? { direct: hostFn, self } : { invoke };
}
