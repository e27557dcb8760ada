/**
 * Warden: a secure capability runtime for WebAssembly components.
 *
 * Run components you did not write and give each exactly the host
 * capabilities it needs. Nothing is reachable unless granted.
 *
 * @example
 * ```ts ignore
 * import { NO_WASI_GRANTS, prepareComponent, runCommand } from "@warden/runtime";
 *
 * const app = await prepareComponent("app.wasm");
 * const code = await runCommand(app, { wasi: { ...NO_WASI_GRANTS, args: ["app"] } });
 * ```
 *
 * @module
 */
export { prepareComponent } from "./src/component/prepare.ts";
export type {
  CacheOutcome,
  PreparedComponent,
  PrepareOptions,
} from "./src/component/prepare.ts";
export {
  describeExports,
  linkWasiImports,
  runCommand,
} from "./src/component/run_command.ts";
export type { InstanceOptions } from "./src/component/run_command.ts";
export { invokeExport } from "./src/component/invoke.ts";
export { readComponentFile } from "./src/component/component_file.ts";
export { decodeComponentFile } from "./src/component/component_signature.ts";
export type { ComponentFile } from "./src/component/component_file.ts";
export {
  checkDigestPin,
  DigestMismatchError,
  parseDigest,
} from "./src/component/digest_pin.ts";
export type { DigestPin } from "./src/component/digest_pin.ts";
export {
  ComponentChoiceError,
  planAppRun,
  planRun,
  selectComponent,
} from "./src/component/app_run.ts";
export type {
  AppRunOptions,
  RunFlags,
  RunPlan,
} from "./src/component/app_run.ts";
export {
  defaultCacheDir,
  TranspileCache,
} from "./src/component/transpile_cache.ts";
export { transpileComponent, TRANSPILER } from "./src/component/transpile.ts";
export type { TranspiledComponent } from "./src/component/transpile.ts";
export type {
  ComponentExports,
  ImportObject,
} from "./src/component/instantiate.ts";
export {
  ComponentLoadError,
  ComponentTrapError,
  GrantSyntaxError,
  InvokeError,
} from "./src/errors.ts";
export {
  NO_WASI_GRANTS,
  parseDirGrant,
  parseEnvGrants,
  parseNetGrant,
} from "./src/providers/wasi/wasi_grants.ts";
export type {
  DirGrant,
  NetGrant,
  WasiGrants,
} from "./src/providers/wasi/wasi_grants.ts";
export { ComponentExit } from "./src/providers/wasi/component_exit.ts";
export { createWasiImports } from "./src/providers/wasi/wasi_sandbox.ts";
export {
  SHIM_INTERFACES,
  wasiGrantFlags,
  wasiProvision,
} from "./src/providers/wasi/wasi_coverage.ts";
export type {
  WasiImplementation,
  WasiProvision,
} from "./src/providers/wasi/wasi_coverage.ts";
export {
  buildInspectReport,
  INSPECT_SCHEMA_VERSION,
  inspectComponent,
} from "./src/component/inspect.ts";
export type {
  ImportProvider,
  InspectedBundle,
  InspectedComponent,
  InspectedExport,
  InspectedFunction,
  InspectedImport,
  InspectedImportFunction,
  InspectOptions,
  InspectReport,
} from "./src/component/inspect.ts";
export { formatInspectReport } from "./src/component/inspect_format.ts";
export { decodeComponentSignature } from "./src/wit/component_decoder.ts";
export type * from "./src/wit/types.ts";
export { ManifestError } from "./src/manifest/manifest_error.ts";
export type {
  ManifestErrorOptions,
  ManifestKind,
} from "./src/manifest/manifest_error.ts";
export {
  describeHostBundle,
  parseHostToml,
  readHostToml,
} from "./src/manifest/host_toml.ts";
export type { HostTomlOptions } from "./src/manifest/host_toml.ts";
export { parseHostsToml, readHostsToml } from "./src/manifest/hosts_toml.ts";
export type { HostEntry, HostsManifest } from "./src/manifest/hosts_toml.ts";
export {
  COMPONENT_KEYS,
  parseWardenToml,
  readWardenToml,
  WARDEN_TOML_KEYS,
} from "./src/manifest/warden_toml.ts";
export type {
  WardenAudit,
  WardenComponent,
  WardenHosts,
  WardenManifest,
} from "./src/manifest/warden_toml.ts";
export { LIB_OS_NAMES, PERMISSION_NAMES } from "./src/manifest/host_fields.ts";
export type {
  HostBundleManifest,
  HostPermissions,
  OperatingSystem,
  PermissionName,
} from "./src/manifest/host_fields.ts";
export { resolveManifestPath } from "./src/manifest/manifest_path.ts";
export type {
  ManifestPathKind,
  ManifestSite,
  ResolvedManifestPath,
  ResolveManifestPathOptions,
} from "./src/manifest/manifest_path.ts";
export {
  compareSemver,
  formatSemver,
  isCompatible,
  parseSemver,
} from "./src/manifest/semver.ts";
export type { SemVer } from "./src/manifest/semver.ts";
export {
  checkHostBundle,
  checkHostWit,
  describeCheckedHostBundle,
} from "./src/manifest/bundle_check.ts";
export { loadWitPackage, WitError } from "./src/wit/wit_package.ts";
export type { WitPackage } from "./src/wit/wit_package.ts";
export {
  checkImplementation,
  checkImplementations,
  defaultDataDir,
  loadTypeScriptBundle,
} from "./src/bundles/typescript_bundle.ts";
export type {
  HostContext,
  LoadedHostBundle,
  LoadTypeScriptBundleOptions,
  ProvidedInterface,
} from "./src/bundles/typescript_bundle.ts";
export { bundleImports, findProviders } from "./src/bundles/bundle_link.ts";
export type {
  BundleImports,
  ProviderCandidate,
  ProviderMatch,
} from "./src/bundles/bundle_link.ts";
export { checkHostSet, loadHostSet } from "./src/bundles/host_set.ts";
export type {
  CheckedHost,
  CheckedHostSet,
  CheckHostSetOptions,
  HostRequirement,
  HostSet,
  LoadHostSetOptions,
} from "./src/bundles/host_set.ts";
export { HostBundleError } from "./src/bundles/host_bundle_error.ts";
export { loadNativeBundle } from "./src/bundles/native_bundle.ts";
export type {
  LoadNativeBundleOptions,
  NativeHostBundle,
} from "./src/bundles/native_bundle.ts";
export { deriveNativeAbi } from "./src/bundles/native_abi.ts";
export type { NativeAbi } from "./src/bundles/native_abi.ts";
export { NativeErrorResult } from "./src/bundles/native_calls.ts";
export type { NativeCallOptions } from "./src/bundles/native_calls.ts";
export { createHostStreams } from "./src/bundles/host_streams.ts";
export type { HostStreams } from "./src/bundles/host_streams.ts";
export {
  BytePipe,
  MAX_PIPE_CAPACITY,
} from "./src/providers/wasi/native/byte_pipe.ts";
export type {
  ByteSink,
  ByteSource,
  InputStream,
  OutputStream,
} from "./src/providers/wasi/native/streams.ts";
export type { HostBundleErrorOptions } from "./src/bundles/host_bundle_error.ts";
export { gateDecisions, gateImports } from "./src/gate/gate.ts";
export type { GateDecision, GateOptions } from "./src/gate/gate.ts";
export {
  formatGrant,
  grantNames,
  makeGrant,
  parseGrant,
} from "./src/gate/grant.ts";
export type { Grant } from "./src/gate/grant.ts";
export type {
  ArgumentRule,
  ArgumentRuleKind,
  GrantRules,
  QuotaRule,
  RateRule,
} from "./src/gate/grant_rules.ts";
export { grantsFromToml } from "./src/gate/grant_toml.ts";
export type { GrantsFromTomlOptions } from "./src/gate/grant_toml.ts";
export { CapabilityDeniedError } from "./src/gate/denial.ts";
export type { CapabilityDeniedErrorOptions } from "./src/gate/denial.ts";
export {
  missingGrants,
  UngrantedImportError,
} from "./src/gate/missing_grants.ts";
export type {
  ManifestGrantsTable,
  MissingGrant,
  UngrantedImportErrorOptions,
} from "./src/gate/missing_grants.ts";
export { DEFAULT_INPUT_LIMITS } from "./src/gate/input_limits.ts";
export type { InputLimits } from "./src/gate/input_limits.ts";
export { implicitWasiGrants } from "./src/gate/wasi_implicit_grants.ts";
export type { ImplicitWasiGrantsOptions } from "./src/gate/wasi_implicit_grants.ts";
export {
  DEFAULT_AUDIT_BUFFER_SIZE,
  DEFAULT_AUDIT_FIELD_LENGTH,
  MAX_AUDIT_BUFFER_SIZE,
  MAX_AUDIT_FIELD_LENGTH,
  MAX_AUDIT_SITES,
  openAuditLog,
} from "./src/audit/audit_log.ts";
export type { AuditLog, AuditLogOptions } from "./src/audit/audit_log.ts";
export type {
  ArgumentDigest,
  AuditDecision,
  AuditEvent,
  AuditLevel,
  AuditRecorder,
  AuditSink,
  AuditSite,
} from "./src/audit/audit_event.ts";
export { auditSiteText, recordHash } from "./src/audit/record_hash.ts";
export { AuditLogError } from "./src/audit/audit_log_error.ts";
export {
  auditLine,
  canonicalAuditRecord,
  GENESIS_HASH,
  MAX_AUDIT_LINE_BYTES,
} from "./src/audit/audit_record.ts";
export type {
  AuditRecord,
  UnhashedAuditRecord,
} from "./src/audit/audit_record.ts";
export {
  formatAuditVerification,
  verifyAuditLog,
  verifyAuditText,
} from "./src/audit/audit_verify.ts";
export type {
  AuditBreak,
  AuditBreakKind,
  AuditVerification,
} from "./src/audit/audit_verify.ts";
export {
  formatAuditSummary,
  summarizeAuditLog,
  summarizeAuditText,
} from "./src/audit/audit_summary.ts";
export type {
  AuditSummary,
  DecisionCounts,
} from "./src/audit/audit_summary.ts";
export { parseTrustClass, TRUST_CLASSES } from "./src/isolation/trust_class.ts";
export type { TrustClass } from "./src/isolation/trust_class.ts";
