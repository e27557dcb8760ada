// deno-lint-ignore-file no-console -- the CLI is the one place that writes to the console
/**
 * The `warden` command line. It parses flags, calls the library, and turns
 * the library's known errors into one-paragraph messages and exit codes.
 *
 * @module
 */
import {
  parseTrustClass,
  type TrustClass,
} from "./src/isolation/trust_class.ts";
import { prepareComponent } from "./src/component/prepare.ts";
import { componentGrants, runCommand } from "./src/component/run_command.ts";
import {
  ComponentChoiceError,
  planAppRun,
  planRun,
  type RunPlan,
} from "./src/component/app_run.ts";
import {
  ComponentLoadError,
  ComponentTrapError,
  GrantSyntaxError,
  InvokeError,
} from "./src/errors.ts";
import { ManifestError } from "./src/manifest/manifest_error.ts";
import { HostBundleError } from "./src/bundles/host_bundle_error.ts";
import { AuditLogError } from "./src/audit/audit_log_error.ts";
import type { AuditLevel } from "./src/audit/audit_event.ts";
import type { AuditLog } from "./src/audit/audit_log.ts";
import { type Grant, parseGrant } from "./src/gate/grant.ts";
import {
  missingGrants,
  UngrantedImportError,
} from "./src/gate/missing_grants.ts";
import type { PreparedComponent } from "./src/component/prepare.ts";
import type { LoadedHostBundle } from "./src/bundles/typescript_bundle.ts";
import { FlagError, type FlagSpec, parseFlags } from "./src/cli_flags.ts";
import {
  parseDirGrant,
  parseEnvGrants,
  parseNetGrant,
} from "./src/providers/wasi/wasi_grants.ts";

/** Exit code for a bad command line. */
const EXIT_USAGE = 2;
/** Exit code when Warden itself cannot load, link or invoke the component. */
const EXIT_FAILURE = 1;
/** Exit code when the component traps (as wasmtime does: 128 + SIGABRT). */
const EXIT_TRAP = 134;

const MAIN_HELP = `Warden: a capability runtime for WebAssembly components

Usage: warden <command> [options]

Commands:
  run <component.wasm> [args...]   Run a command component, or call one export with --invoke
  run --manifest <warden.toml>     Run a component of an app manifest with the grants it names
  inspect <component.wasm>         List imports and exports with signatures, and what serves each import
  bundle check <dir>               Validate a host bundle (host.toml and its files) without running it
  audit verify <file>              Check an audit log's hash chain and say where it breaks
  audit summary <file>             Count an audit log's records per component, call and decision
  help [command]                   Show help

Options:
  -h, --help      Show help
  -V, --version   Show the version

Environment:
  WARDEN_CACHE_DIR   Where transpiled components are cached (default: the platform cache folder)
  WARDEN_DATA_DIR    Where host bundles keep their data (default: the platform data folder)`;

const RUN_HELP = `Usage: warden run [options] <component.wasm> [args...]
       warden run [options] --manifest <warden.toml> [--component NAME] [args...]

Runs a wasi:cli/run command component with its args, streaming its stdout and
stderr, and exits with its exit code. With --invoke, calls one export instead
and prints the result in WAVE syntax.

With --manifest, runs a component of an app manifest (docs/warden-toml.md)
with the grants, WASI grants, host bundles and audit log it names there. The
flags below add to them: --grant, --env, --dir, --allow-net and --host-bundle
values come on top of the manifest's; --audit, --audit-level and --host-config
replace its audit file, audit level and hosts.toml; args replace its args.

Nothing is granted by default: the component sees no environment variable, no
directory, no network and not the host's working directory, and may call no
host interface but the WASI those flags bound. Every host call passes the
capability gate (docs/gate.md); an import without a grant stops the run before
it starts. At a terminal Warden asks for each missing grant (y/n/A) unless
--no-prompt.

Options (they must come before the component; what follows it goes to the component):
  --manifest <FILE>          Run a component of this warden.toml; every argument after the
                             options goes to the component
  --component <NAME>         Which of the manifest's components to run (needed when it has several)
  --invoke <call>            Call one export, e.g. 'add(1, 2)' or 'docs:adder/add@0.1.0#add(1, 2)'
  --env <NAME[=value]>       Give an environment variable: NAME passes the host's value (if set),
                             NAME=value sets one (repeatable)
  --inherit-env              Give the whole host environment
  --dir <HOST[::GUEST][::ro|rw]>
                             Give a host directory under GUEST (default: HOST as written),
                             read-only unless ::rw (repeatable)
  --allow-net <HOST[:PORT]>  Allow outgoing TCP and HTTP to a host, optionally one port (repeatable);
                             IPv6 as [ADDR] or [ADDR]:PORT
  --inherit-network          Give full network access (any host, listening, UDP)
  --host-bundle <DIR>        Load a host bundle (a folder with host.toml, its WIT and a TypeScript
                             module) whose interfaces serve the component's imports of a
                             compatible version (repeatable)
  --grant <GRANT>            Let the component call a host interface or some of its functions,
                             with rules: 'IFACE[@VER][#FN,...] [prefix=P] [rate=N/s[:wait]]
                             [quota.calls=N] [quota.bytes=SIZE] [read-only] ...' (repeatable;
                             see docs/gate.md)
  --no-prompt                Never ask for missing grants, even at a terminal
  --audit <FILE>             Append one hash-chained JSON record per gate decision to FILE
                             (see docs/audit.md; check it with warden audit verify);
                             overrides a manifest's [audit] file
  --audit-level <LEVEL>      all (default, or the manifest's level), denials, or off
  --trust <CLASS>            untrusted (default, or the manifest's trust) or trusted: only a
                             trusted component may be served by host bundles with native code
  --host-config <FILE>       Load the hosts a hosts.toml lists: bundles found on its search paths
                             and hosts given by wit and module, with their config; its
                             [providers] pick between hosts serving the same interface
  --cache-dir <DIR>          Transpile cache folder (default: $WARDEN_CACHE_DIR or the platform cache)
  --no-cache                 Do not read or write the transpile cache
  -h, --help                 Show this help

Exit codes: the component's own; 1 when Warden cannot load, link or invoke it;
2 for a bad command line or a missing grant; 134 when the component traps,
as on a denied call whose WIT has no error value; 130 or 143 on SIGINT or
SIGTERM with --audit.`;

const INSPECT_HELP = `Usage: warden inspect [options] <component.wasm>

Lists what a component imports and exports, with WIT signatures, and which
provider would serve each import in warden run: Warden's WASI sandbox (native
or via preview2-shim, with the flags that grant it), a host bundle, or nothing
(UNSATISFIED). Each imported function is listed under its host function name,
package:ns/iface@version#function.

Nothing runs: the component is read and decoded, not compiled; host bundles are
checked (host.toml and WIT) as warden run finds them, but their code is not
loaded. Use it on a component before granting it anything.

Options:
  --host-bundle <DIR>    Offer a host bundle's interfaces to the component's imports (repeatable)
  --host-config <FILE>   Offer the hosts a hosts.toml lists, with its [providers] picks
  --json                 Print the report as JSON (see docs/inspect.md)
  -h, --help             Show this help

Exit codes: 0 when the component was inspected, even with unsatisfied imports;
1 when the component or a bundle cannot be read or is invalid; 2 for a bad
command line.`;

const BUNDLE_HELP = `Usage: warden bundle check <dir>

Validates a host bundle without loading or running anything: reads
<dir>/host.toml (or the host.toml file given), checks every key and type, the
name and version, that wit, module and lib name files inside the bundle
(no absolute paths, no escape by .. or symlinks), and that the WIT parses and
defines at least one interface. Prints a one-line summary with the
interfaces the bundle provides.

Options:
  -h, --help   Show this help

Exit codes: 0 when the bundle is valid; 1 when it is not; 2 for a bad command line.
See docs/host-bundles.md for the host.toml format.`;

const AUDIT_HELP = `Usage: warden audit verify <file>
       warden audit summary <file>

verify   Checks every record of an audit log: its hash, its seq following the
         one before, and its prev linking to the record before. Prints the
         record count and the last hash, or one error line naming the first
         break: an edited, deleted, reordered or spliced-in record, a line
         that is not a record, or a last line cut off mid-write.
summary  Prints the records per component, per call and per decision, as
         tables; only records before a break are counted.

A chain cannot show records deleted from the end of a log: compare the last
hash with one kept elsewhere.

Options:
  -h, --help   Show this help

Exit codes: 0 when the log is intact; 1 when it breaks or cannot be read;
2 for a bad command line. See docs/audit.md for the record format.`;

const RUN_FLAGS = {
  manifest: { type: "string" },
  component: { type: "string" },
  invoke: { type: "string" },
  env: { type: "string", multiple: true },
  "inherit-env": { type: "boolean" },
  dir: { type: "string", multiple: true },
  "allow-net": { type: "string", multiple: true },
  "inherit-network": { type: "boolean" },
  "host-bundle": { type: "string", multiple: true },
  "host-config": { type: "string" },
  grant: { type: "string", multiple: true },
  "no-prompt": { type: "boolean" },
  audit: { type: "string" },
  "audit-level": { type: "string" },
  trust: { type: "string" },
  "cache-dir": { type: "string" },
  "no-cache": { type: "boolean" },
  help: { type: "boolean", short: "h" },
} as const satisfies Record<string, FlagSpec>;

class _UsageError extends Error {}

/**
 * Runs the command line.
 *
 * @param args The arguments after the program name.
 * @returns The process exit code.
 */
export async function main(args: readonly string[]): Promise<number> {
  try {
    return await _dispatch(args);
  } catch (error) {
    return _report(error);
  }
}

async function _dispatch(args: readonly string[]): Promise<number> {
  const [command, ...rest] = args;
  switch (command) {
    case undefined:
    case "help":
    case "--help":
    case "-h":
      console.log(
        rest[0] === "run"
          ? RUN_HELP
          : rest[0] === "bundle"
          ? BUNDLE_HELP
          : rest[0] === "inspect"
          ? INSPECT_HELP
          : rest[0] === "audit"
          ? AUDIT_HELP
          : MAIN_HELP,
      );
      return 0;
    case "--version":
    case "-V":
      console.log(`warden ${await _version()}`);
      return 0;
    case "run":
      return await _run(rest);
    case "bundle":
      return await _bundle(rest);
    case "inspect":
      return await _inspect(rest);
    case "audit":
      return await _audit(rest);
    default:
      throw new _UsageError(`Unknown command "${command}" (see warden --help)`);
  }
}

async function _run(args: readonly string[]): Promise<number> {
  const { flags, positionals } = _splitRunArgs(args);
  const { values } = _parse(flags, RUN_FLAGS, "run");
  if (values.help) {
    console.log(RUN_HELP);
    return 0;
  }
  const manifestFile = values.manifest;
  const guestArgs = manifestFile === undefined
    ? positionals.slice(1)
    : positionals;
  if (values.invoke !== undefined && guestArgs.length > 0) {
    throw new _UsageError(
      `Unexpected arguments after the component with --invoke: ${
        guestArgs.join(" ")
      }`,
    );
  }
  const given = {
    wasi: {
      env: parseEnvGrants(values.env ?? [], (name) => Deno.env.get(name)),
      inheritEnv: values["inherit-env"] ?? false,
      dirs: (values.dir ?? []).map(parseDirGrant),
      net: (values["allow-net"] ?? []).map(parseNetGrant),
      inheritNetwork: values["inherit-network"] ?? false,
    },
    grants: (values.grant ?? []).map(parseGrant),
    bundleDirs: values["host-bundle"] ?? [],
    hostsFile: values["host-config"],
    audit: values.audit,
    auditLevel: _auditLevel(values["audit-level"]),
    trust: _trust(values.trust),
    args: guestArgs,
  };
  let plan: RunPlan;
  if (manifestFile === undefined) {
    const path = positionals[0];
    if (path === undefined || values.component !== undefined) {
      throw new _UsageError(
        path === undefined
          ? "Missing the component to run (see warden run --help)"
          : "--component needs --manifest FILE",
      );
    }
    plan = planRun(path, given);
  } else {
    // Loaded on demand, so a run without a manifest does not pay for it.
    const { readWardenToml } = await import("./src/manifest/warden_toml.ts");
    plan = planAppRun(await readWardenToml(manifestFile), {
      ...given,
      component: values.component,
    });
  }
  if (values["audit-level"] !== undefined && plan.audit === undefined) {
    throw new _UsageError(
      "--audit-level needs --audit FILE (or an [audit] file in the manifest)",
    );
  }
  const cacheDir = values["no-cache"] ? null : values["cache-dir"];
  // The component first: a digest pin is checked before any bundle loads.
  const component = await prepareComponent(plan.path, {
    ...(cacheDir === undefined ? {} : { cacheDir }),
    ...(plan.digest === undefined ? {} : { digest: plan.digest }),
  });
  const hosts = await _loadHosts(plan);
  const grants = [
    ...plan.grants,
    ...await _promptedGrants(component, plan, values),
  ];
  using audit = plan.audit === undefined
    ? undefined
    : await _openAudit(plan.audit.file, plan.audit.level);
  const options = {
    wasi: plan.wasi,
    ...hosts,
    grants,
    ...(audit === undefined ? {} : { audit }),
    ...(plan.grantsTable === undefined
      ? {}
      : { grantsTable: plan.grantsTable }),
  };
  if (values.invoke !== undefined) {
    // Loaded on demand: WAVE's parser and printer serve --invoke only.
    const { invokeExport } = await import("./src/component/invoke.ts");
    console.log(await invokeExport(component, values.invoke, options));
    return 0;
  }
  return await runCommand(component, options);
}

/**
 * Opens the `--audit` log (loaded on demand: a run without one does not pay
 * for it). A SIGINT or SIGTERM flushes it and ends the process with 130 or
 * 143.
 */
async function _openAudit(file: string, level: AuditLevel): Promise<AuditLog> {
  const { openAuditLog } = await import("./src/audit/audit_log.ts");
  return await openAuditLog(file, {
    level,
    onSignal: (code) => Deno.exit(code),
  });
}

/** `--trust`, checked. */
function _trust(text: string | undefined): TrustClass | undefined {
  if (text === undefined) return undefined;
  const trust = parseTrustClass(text);
  if (trust === undefined) {
    throw new _UsageError(
      `Invalid --trust "${text}" (use untrusted or trusted)`,
    );
  }
  return trust;
}

/** `--audit-level`, checked. */
function _auditLevel(level: string | undefined): AuditLevel | undefined {
  if (level === undefined) return undefined;
  if (level !== "all" && level !== "denials" && level !== "off") {
    throw new _UsageError(
      `Invalid --audit-level "${level}" (use all, denials or off)`,
    );
  }
  return level;
}

/**
 * The grants asked for at the terminal: none unless an import lacks one,
 * stdin is a terminal and `--no-prompt` is not given.
 *
 * @throws {UngrantedImportError} When one is denied.
 */
async function _promptedGrants(
  component: PreparedComponent,
  given: Pick<RunPlan, "wasi" | "grants" | "grantsTable">,
  values: { "no-prompt"?: boolean },
): Promise<Grant[]> {
  const missing = missingGrants(
    component.signature.imports,
    componentGrants(component, given),
  );
  if (
    missing.length === 0 || values["no-prompt"] || !Deno.stdin.isTerminal()
  ) return [];
  // Loaded on demand: most runs have every grant they need.
  const { promptForGrants, terminalPromptIo } = await import(
    "./src/gate/grant_prompt.ts"
  );
  const granted = promptForGrants(
    component.file.name,
    missing,
    terminalPromptIo(),
  );
  if (granted === undefined) {
    throw new UngrantedImportError(
      component.file.name,
      missing,
      given.grantsTable === undefined ? {} : { grantsTable: given.grantsTable },
    );
  }
  return granted;
}

/**
 * Loads the `--host-bundle` folders and the `--host-config` hosts.toml;
 * their log lines go to stderr.
 */
async function _loadHosts(
  { bundleDirs, hostsFile, trust }: RunPlan,
): Promise<
  {
    bundles?: readonly LoadedHostBundle[];
    providers?: Readonly<Record<string, string>>;
  }
> {
  if (bundleDirs.length === 0 && hostsFile === undefined) return {};
  // Loaded on demand, so a run without bundles does not pay for them.
  const { loadHostSet } = await import("./src/bundles/host_set.ts");
  return await loadHostSet({
    bundleDirs,
    ...(hostsFile === undefined ? {} : { hostsFile }),
    trust,
    log: (bundle, message) => console.error(`[${bundle}] ${message}`),
  });
}

async function _bundle(args: readonly string[]): Promise<number> {
  const parsed = _parse(args, BUNDLE_FLAGS, "bundle");
  const [subcommand, ...operands] = parsed.positionals;
  if (parsed.values.help) {
    console.log(BUNDLE_HELP);
    return 0;
  }
  if (subcommand === undefined) {
    throw new _UsageError(
      "Missing the bundle command: warden bundle check <dir> (see warden bundle --help)",
    );
  }
  if (subcommand !== "check") {
    throw new _UsageError(
      `Unknown bundle command "${subcommand}" (see warden bundle --help)`,
    );
  }
  const [dir, ...extra] = operands;
  if (dir === undefined || extra.length > 0) {
    throw new _UsageError(
      dir === undefined
        ? "Missing the bundle folder to check (see warden bundle --help)"
        : `Unexpected arguments after the bundle folder: ${extra.join(" ")}`,
    );
  }
  // Loaded on demand, so `warden run` does not pay for the manifest modules.
  const { checkHostBundle, describeCheckedHostBundle } = await import(
    "./src/manifest/bundle_check.ts"
  );
  console.log(describeCheckedHostBundle(await checkHostBundle(dir)));
  return 0;
}

async function _inspect(args: readonly string[]): Promise<number> {
  const { values, positionals } = _parse(args, INSPECT_FLAGS, "inspect");
  if (values.help) {
    console.log(INSPECT_HELP);
    return 0;
  }
  const [path, ...extra] = positionals;
  if (path === undefined || extra.length > 0) {
    throw new _UsageError(
      path === undefined
        ? "Missing the component to inspect (see warden inspect --help)"
        : `Unexpected arguments after the component: ${extra.join(" ")}`,
    );
  }
  // Loaded on demand, so `warden run` does not pay for them.
  const { inspectComponent } = await import("./src/component/inspect.ts");
  const { formatInspectReport } = await import(
    "./src/component/inspect_format.ts"
  );
  const hostsFile = values["host-config"];
  const report = await inspectComponent(path, {
    bundleDirs: values["host-bundle"] ?? [],
    ...(hostsFile === undefined ? {} : { hostsFile }),
  });
  console.log(
    values.json ? JSON.stringify(report, null, 2) : formatInspectReport(report),
  );
  return 0;
}

const INSPECT_FLAGS = {
  "host-bundle": { type: "string", multiple: true },
  "host-config": { type: "string" },
  json: { type: "boolean" },
  help: { type: "boolean", short: "h" },
} as const satisfies Record<string, FlagSpec>;

const BUNDLE_FLAGS = {
  help: { type: "boolean", short: "h" },
} as const satisfies Record<string, FlagSpec>;

const AUDIT_FLAGS = {
  help: { type: "boolean", short: "h" },
} as const satisfies Record<string, FlagSpec>;

async function _audit(args: readonly string[]): Promise<number> {
  const { values, positionals } = _parse(args, AUDIT_FLAGS, "audit");
  if (values.help) {
    console.log(AUDIT_HELP);
    return 0;
  }
  const [subcommand, path, ...extra] = positionals;
  if (subcommand !== "verify" && subcommand !== "summary") {
    throw new _UsageError(
      subcommand === undefined
        ? "Missing the audit command: warden audit verify|summary <file> (see warden audit --help)"
        : `Unknown audit command "${subcommand}" (see warden audit --help)`,
    );
  }
  if (path === undefined || extra.length > 0) {
    throw new _UsageError(
      path === undefined
        ? `Missing the audit log for warden audit ${subcommand} (see warden audit --help)`
        : `Unexpected arguments after the audit log: ${extra.join(" ")}`,
    );
  }
  // Loaded on demand, so other commands do not pay for node:crypto.
  const { formatAuditVerification, verifyAuditLog } = await import(
    "./src/audit/audit_verify.ts"
  );
  let verification;
  if (subcommand === "verify") {
    verification = await verifyAuditLog(path);
    if (verification.valid) {
      console.log(formatAuditVerification(path, verification));
    }
  } else {
    const { formatAuditSummary, summarizeAuditLog } = await import(
      "./src/audit/audit_summary.ts"
    );
    const summary = await summarizeAuditLog(path);
    console.log(formatAuditSummary(path, summary));
    verification = summary.verification;
  }
  if (verification.valid) return 0;
  console.error(`error: ${formatAuditVerification(path, verification)}`);
  return EXIT_FAILURE;
}

function _parse<T extends Record<string, FlagSpec>>(
  args: readonly string[],
  specs: T,
  command: string,
) {
  try {
    return parseFlags(args, specs);
  } catch (error) {
    if (error instanceof FlagError) {
      throw new _UsageError(`${error.message} (see warden ${command} --help)`);
    }
    throw error;
  }
}

/** Flags end at the first positional (the component); the rest belongs to the guest. */
function _splitRunArgs(
  args: readonly string[],
): { flags: string[]; positionals: string[] } {
  const takesValue = new Set(
    Object.entries(RUN_FLAGS).filter(([, o]) => o.type === "string").map((
      [name],
    ) => `--${name}`),
  );
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] as string;
    if (arg === "--") {
      return { flags: args.slice(0, i), positionals: args.slice(i + 1) };
    }
    if (!arg.startsWith("-") || arg === "-") {
      return { flags: args.slice(0, i), positionals: args.slice(i) };
    }
    if (takesValue.has(arg)) i++;
  }
  return { flags: [...args], positionals: [] };
}

function _report(error: unknown): number {
  if (
    error instanceof _UsageError || error instanceof GrantSyntaxError ||
    error instanceof UngrantedImportError ||
    error instanceof ComponentChoiceError
  ) {
    console.error(`error: ${error.message}`);
    return EXIT_USAGE;
  }
  if (error instanceof ComponentTrapError) {
    console.error(`error: ${error.message}`);
    return EXIT_TRAP;
  }
  if (
    error instanceof ComponentLoadError || error instanceof InvokeError ||
    error instanceof ManifestError || error instanceof HostBundleError ||
    error instanceof AuditLogError
  ) {
    console.error(`error: ${error.message}`);
    return EXIT_FAILURE;
  }
  if (error instanceof Deno.errors.NotCapable) {
    console.error(`error: ${error.message}`);
    return EXIT_FAILURE;
  }
  console.error(
    `error: internal error in Warden (please report it): ${
      error instanceof Error ? error.stack : String(error)
    }`,
  );
  return EXIT_FAILURE;
}

async function _version(): Promise<string> {
  const config = await import("./deno.json", { with: { type: "json" } });
  return config.default.version;
}

if (import.meta.main) {
  Deno.exit(await main(Deno.args));
}
