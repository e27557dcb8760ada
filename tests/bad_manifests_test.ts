/**
 * Every malformed host.toml / hosts.toml / warden.toml in tests/bad_manifests/
 * is exactly one clear ManifestError naming the file, the key and the line.
 */
import assert from "node:assert/strict";
import { join, relative, resolve } from "node:path";
import { checkHostBundle } from "../src/manifest/bundle_check.ts";
import { readHostsToml } from "../src/manifest/hosts_toml.ts";
import {
  ManifestError,
  type ManifestKind,
} from "../src/manifest/manifest_error.ts";
import { readWardenToml } from "../src/manifest/warden_toml.ts";
import { ROOT } from "./_warden.ts";

const CASES_DIR = join(ROOT, "tests", "bad_manifests");

/** The expected error of one case. */
interface BadCase {
  /** The manifest the error is about, relative to the case folder. @default the one read */
  readonly file?: string;
  /** `ManifestError.key`; `undefined` for syntax errors and unreadable files. */
  readonly key: string | undefined;
  /** `ManifestError.line`. */
  readonly line: number | undefined;
  /** Matched against the message after the `Invalid <kind> "<file>": ` prefix. */
  readonly message: RegExp;
  /** Prepares the temporary copy: `dir` is the case, `outside` a sibling folder. */
  readonly setup?: (dir: string, outside: string) => Promise<void>;
}

const SYNTAX = /^TOML syntax error: .+ \(line \d+, column \d+\)$/;

const CASES: Record<string, BadCase> = {
  // TOML syntax
  syntax_unterminated_string: {
    key: undefined,
    line: 2,
    message: /^TOML syntax error: newlines are not allowed in strings/,
  },
  syntax_missing_value: {
    key: undefined,
    line: 3,
    message: /^TOML syntax error: .*no value specified \(line 3, column 10\)$/,
  },
  syntax_duplicate_key: {
    key: undefined,
    line: 3,
    message: /^TOML syntax error: trying to redefine/,
  },
  syntax_unclosed_header: { key: undefined, line: 1, message: SYNTAX },
  syntax_bad_escape: {
    key: undefined,
    line: 3,
    message: /^TOML syntax error: unrecognized escape sequence/,
  },
  syntax_table_twice: {
    key: undefined,
    line: 4,
    message: /^TOML syntax error: trying to redefine/,
  },
  syntax_inline_trailing_comma: {
    key: undefined,
    line: 4,
    message: /^TOML syntax error: trailing commas are not allowed/,
  },
  hosts_syntax_error: { key: undefined, line: 2, message: SYNTAX },
  not_utf8: {
    key: undefined,
    line: undefined,
    message: /^it is not UTF-8 text$/,
    setup: (dir) =>
      Deno.writeFile(
        join(dir, "host.toml"),
        new Uint8Array([
          ...new TextEncoder().encode('[host]\nname = "k'),
          0xff,
          0x22,
        ]),
      ),
  },

  // Tables and unknown keys
  host_table_missing: {
    key: "[host]",
    line: undefined,
    message: /^\[host\] is missing \(add a \[host\] table/,
  },
  host_is_array: {
    key: "[[host]]",
    line: 1,
    message:
      /must be one table, \[host\], not an array of tables \(a \[\[host\]\] list belongs in hosts\.toml\)/,
  },
  host_not_table: {
    key: "[host]",
    line: 1,
    message: /^\[host\] must be a table, not a string/,
  },
  unknown_top_level_table: {
    key: "[metadata]",
    line: 6,
    message:
      /is not a known key \(known keys: host, permissions, config, symbols\)/,
  },
  unknown_host_key: {
    key: "[host].libs",
    line: 5,
    message: /is not a known key \(did you mean "lib"\?\)/,
  },
  unknown_permission: {
    key: "[permissions].files",
    line: 7,
    message: /known keys: read, write, net, env, sys, run, ffi, import/,
  },
  hosts_unknown_top_level_key: {
    key: "search_paths",
    line: 1,
    message:
      /^search_paths is not a known key \(known keys: global, host, providers\)/,
  },
  hosts_unknown_global_key: {
    key: "[global].search_path",
    line: 2,
    message: /did you mean "search_paths"\?/,
  },
  hosts_unknown_entry_key: {
    key: "[[host]][0].bundel",
    line: 6,
    message: /did you mean "bundle"\?/,
  },
  hosts_host_is_one_table: {
    key: "[host]",
    line: 1,
    message:
      /must be an array of tables, written \[\[host\]\], not one \[host\] table/,
  },

  // name
  name_missing: {
    key: "[host].name",
    line: 1,
    message: /is missing \(add name = "my-host"\)/,
  },
  name_wrong_type: {
    key: "[host].name",
    line: 2,
    message: /must be a string, not an integer/,
  },
  name_not_kebab_case: {
    key: "[host].name",
    line: 2,
    message: /"Key_Value" is not a valid host name \(use lowercase letters/,
  },
  name_too_long: {
    key: "[host].name",
    line: 2,
    message: /is longer than 64 characters/,
  },
  hosts_name_missing: {
    key: "[[host]][0].name",
    line: 4,
    message: /is missing/,
  },
  hosts_name_invalid: {
    key: "[[host]][0].name",
    line: 5,
    message: /"Duck DB" is not a valid host name/,
  },
  hosts_duplicate_names: {
    key: "[[host]][1].name",
    line: 9,
    message:
      /"kv" is already the name of \[\[host\]\]\[0\] on line 5 \(host names must be unique\)/,
  },

  // version
  version_not_semver: {
    key: "[host].version",
    line: 3,
    message:
      /^\[host\]\.version "1\.x" is not a semver version \(expected MAJOR\.MINOR\.PATCH such as "0\.1\.0"\) \(line 3\)$/,
  },
  version_leading_zero: {
    key: "[host].version",
    line: 3,
    message: /"01\.2\.3" is not a semver version/,
  },
  version_leading_v: {
    key: "[host].version",
    line: 3,
    message: /"v1\.0\.0" is not a semver version \(drop the leading "v"\)/,
  },
  version_is_float: {
    key: "[host].version",
    line: 3,
    message: /must be a string, not a float/,
  },
  version_is_date: {
    key: "[host].version",
    line: 3,
    message: /must be a string, not a date/,
  },
  hosts_explicit_bad_version: {
    key: "[[host]][0].version",
    line: 3,
    message: /"0\.1" is not a semver version/,
  },

  // wit
  wit_missing_key: {
    key: "[host].wit",
    line: 1,
    message: /is missing \(add wit = "wit"/,
  },
  wit_file_missing: {
    key: "[host].wit",
    line: 3,
    message:
      /"wit\/missing\.wit" does not exist \(looked for ".+missing\.wit"\)/,
  },
  wit_not_a_wit_file: {
    key: "[host].wit",
    line: 3,
    message: /"host\.ts" does not end in \.wit/,
  },
  wit_folder_without_wit_files: {
    key: "[host].wit",
    line: 3,
    message: /"interfaces" is a folder with no \.wit files/,
  },
  wit_wrong_type: {
    key: "[host].wit",
    line: 3,
    message: /must be a string, not an array/,
  },

  // module and lib
  module_file_missing: {
    key: "[host].module",
    line: 4,
    message: /"src\/host\.ts" does not exist/,
  },
  module_is_folder: {
    key: "[host].module",
    line: 4,
    message: /"wit" is a folder, expected a file/,
  },
  module_bad_extension: {
    key: "[host].module",
    line: 4,
    message: /"host\.py" does not end in \.ts, \.mts, \.js or \.mjs/,
  },
  lib_file_missing: {
    key: "[host].lib",
    line: 4,
    message: /"lib\/libkv\.so" does not exist/,
  },
  no_module_no_lib: {
    key: "[host]",
    line: 1,
    message: /has neither module nor lib \(add module = "host\.ts"/,
  },
  lib_wrong_type: {
    key: "[host].lib",
    line: 4,
    message: /must be a string or a table of paths by OS, not an integer/,
  },
  lib_empty_table: {
    key: "[host].lib",
    line: 4,
    message: /is an empty table \(give a path for each OS/,
  },
  lib_unknown_os: {
    key: "[host].lib.macos",
    line: 4,
    message: /is not a known key \(known keys: linux, darwin, windows/,
  },
  lib_no_entry_for_this_os: {
    key: "[host].lib",
    line: 4,
    message:
      /has no entry for "\w+", the OS Warden runs on, and there is no module/,
  },
  lib_table_value_wrong_type: {
    key: "[host].lib.linux",
    line: 4,
    message: /must be a string, not an integer/,
  },

  // paths
  path_dotdot: {
    key: "[host].wit",
    line: 3,
    message: /"\.\.\/kv\.wit" leaves the bundle folder \(it resolves to ".+"\)/,
  },
  path_dotdot_inside_then_out: {
    key: "[host].module",
    line: 4,
    message: /"wit\/\.\.\/\.\.\/host\.ts" leaves the bundle folder/,
  },
  path_absolute: {
    key: "[host].wit",
    line: 3,
    message:
      /"\/etc\/hosts" is an absolute path \(write it relative to the bundle folder\)/,
  },
  path_windows_absolute: {
    key: "[host].lib",
    line: 4,
    message: /"C:\\\\kv\\\\kv\.dll" is an absolute path/,
  },
  path_symlink_file: {
    key: "[host].wit",
    line: 3,
    message:
      /"wit\/link\.wit" leaves the bundle folder through a symlink \(it resolves to ".+evil\.wit"\)/,
    setup: (dir, outside) =>
      Deno.symlink(join(outside, "evil.wit"), join(dir, "wit", "link.wit")),
  },
  path_symlink_folder: {
    key: "[host].module",
    line: 4,
    message: /"impl\/host\.ts" leaves the bundle folder through a symlink/,
    setup: (dir, outside) => Deno.symlink(outside, join(dir, "impl")),
  },
  path_symlink_in_wit_folder: {
    key: "[host].wit",
    line: 3,
    message:
      /"wit" contains "deps[\\/]evil", a symlink that leaves the bundle folder/,
    setup: async (dir, outside) => {
      await Deno.mkdir(join(dir, "wit", "deps"));
      await Deno.symlink(outside, join(dir, "wit", "deps", "evil"));
    },
  },
  path_nul_byte: {
    key: "[host].module",
    line: 4,
    message: /"host\.ts\\u0000\.png" contains a NUL byte/,
  },
  path_empty: {
    key: "[host].wit",
    line: 3,
    message: /is an empty path/,
  },

  // permissions
  permissions_not_table: {
    key: "[permissions]",
    line: 1,
    message: /must be a table, not a boolean/,
  },
  permissions_wrong_type: {
    key: "[permissions].read",
    line: 7,
    message: /must be true, false or an array of strings, not a string/,
  },
  permissions_item_wrong_type: {
    key: "[permissions].net[1]",
    line: 7,
    message: /must be a string, not an integer/,
  },
  permissions_bad_env_name: {
    key: "[permissions].env[1]",
    line: 7,
    message: /"A=B" is not an environment variable name/,
  },
  permissions_bad_net_host: {
    key: "[permissions].net[0]",
    line: 7,
    message: /"https:\/\/example\.com\/" is not a host/,
  },
  permissions_nul_in_path: {
    key: "[permissions].read[0]",
    line: 7,
    message: /contains a NUL byte/,
  },

  // hosts.toml search paths and entries
  hosts_search_paths_wrong_type: {
    key: "[global].search_paths",
    line: 2,
    message: /must be an array of strings, not a string/,
  },
  hosts_search_path_is_a_file: {
    key: "[global].search_paths[1]",
    line: 2,
    message: /"hosts\.toml" is a file, expected a folder/,
  },
  hosts_search_path_nul_byte: {
    key: "[global].search_paths[0]",
    line: 2,
    message: /contains a NUL byte/,
  },
  requires_not_interface_name: {
    key: "[host].requires[0]",
    line: 5,
    message:
      /"logging" is not an interface name \(write "namespace:package\/interface"/,
  },
  requires_bad_version: {
    key: "[host].requires[0]",
    line: 5,
    message:
      /"wasi:logging\/logging@0\.1" has a bad version: "0\.1" is not a semver version/,
  },
  requires_listed_twice: {
    key: "[host].requires[1]",
    line: 7,
    message: /"wasi:logging\/logging@0\.1\.0" is listed twice/,
  },
  config_not_table: {
    key: "[config]",
    line: 1,
    message: /must be a table, not a string/,
  },
  hosts_config_not_table: {
    key: "[[host]][0].config",
    line: 7,
    message: /must be a table, not an array/,
  },
  hosts_requires_with_bundle: {
    key: "[[host]][0].requires",
    line: 7,
    message: /cannot be given with bundle/,
  },
  hosts_providers_unknown_host: {
    key: '[providers]."keyvalue:store/store"',
    line: 9,
    message:
      /names "native-kv", which is not a \[\[host\]\] entry \(known: "kv"\)/,
  },
  hosts_providers_bad_interface: {
    key: "[providers].keyvalue-store",
    line: 9,
    message: /"keyvalue-store" is not an interface name/,
  },
  hosts_bundle_and_wit: {
    key: "[[host]][0].wit",
    line: 7,
    message: /cannot be given with bundle/,
  },
  hosts_bundle_not_found: {
    key: "[[host]][0].bundle",
    line: 6,
    message:
      /"kv" was not found on the search paths: no "kv"\/host\.toml in ".+bundles", ".+more-bundles" \(missing\) \(add the folder that holds it to \[global\]\.search_paths\)/,
  },
  hosts_no_search_paths: {
    key: "[[host]][0].bundle",
    line: 3,
    message: /"kv" cannot be found: there are no search paths/,
  },
  hosts_bundle_name_with_slash: {
    key: "[[host]][0].bundle",
    line: 6,
    message: /"\.\.\/bundles\/kv" is not a bundle folder name/,
  },
  hosts_bundle_wrong_type: {
    key: "[[host]][0].bundle",
    line: 6,
    message: /must be a string, not an integer/,
  },
  hosts_neither_bundle_nor_wit: {
    key: "[[host]][0]",
    line: 1,
    message: /has neither bundle nor wit/,
  },
  hosts_explicit_without_implementation: {
    key: "[[host]][0]",
    line: 1,
    message: /has neither module nor lib/,
  },
  hosts_explicit_wit_missing: {
    key: "[[host]][0].wit",
    line: 3,
    message: /"\/no\/such\/folder\/kv\.wit" does not exist/,
  },
  // WIT (loaded by wit-parser)
  wit_syntax_error: {
    key: "[host].wit",
    line: 3,
    message:
      /^\[host\]\.wit "wit" is not valid WIT: expected "\)", found "->", in "wit[\\/]kv\.wit" line 5, column 40 \(line 3\)$/,
  },
  wit_unknown_type: {
    key: "[host].wit",
    line: 3,
    message:
      /"wit" is not valid WIT: type "bytes" does not exist, in "wit[\\/]types\.wit" line 4, column 12/,
  },
  wit_no_interface: {
    key: "[host].wit",
    line: 3,
    message:
      /"wit" is not valid WIT: package "warden:kv@0\.1\.0" defines no interface/,
  },
  hosts_bad_bundle_host_toml: {
    file: "bundles/kv/host.toml",
    key: "[host].implementation",
    line: 5,
    message: /is not a known key/,
  },

  // [symbols]: a native bundle's C symbols
  symbols_not_table: {
    key: "[symbols]",
    line: 1,
    message: /must be a table, not a string/,
  },
  symbols_bad_key: {
    key: "[symbols].get",
    line: 7,
    message:
      /does not name a function \(write "ns:pkg\/iface#function", .* e\.g\. "keyvalue:store\/store#get"\)/,
  },
  symbols_not_c_identifier: {
    key: '[symbols]."warden:kv/store#get"',
    line: 7,
    message: /"kv-get" is not a C identifier \(use letters, digits and "_"/,
  },
  symbols_value_wrong_type: {
    key: '[symbols]."warden:kv/store#get"',
    line: 7,
    message: /must be a string, not an integer/,
  },
  symbols_used_twice: {
    key: '[symbols]."[init]"',
    line: 8,
    message:
      /"kv_get" is already the symbol of "warden:kv\/store#get" \(each function needs its own symbol\)/,
  },
  symbols_without_lib: {
    key: "[symbols]",
    line: 6,
    message: /names native symbols, but there is no lib/,
  },
  symbols_with_module: {
    key: "[symbols]",
    line: 7,
    message:
      /names native symbols, but the host has a module, which is its implementation/,
  },
  symbols_unknown_function: {
    key: '[symbols]."warden:kv/store#list-keys"',
    line: 8,
    message:
      /names "list-keys", which interface "warden:kv\/store@0\.1\.0" does not declare \(it has "get"\)/,
  },
  symbols_same_function_twice: {
    key: '[symbols]."warden:kv/store@0.1.0#get"',
    line: 8,
    message: /names the same function as "warden:kv\/store#get" \(keep one\)/,
  },
  hosts_symbols_with_bundle: {
    key: "[[host]][0].symbols",
    line: 7,
    message: /cannot be given with bundle/,
  },

  // warden.toml: syntax, tables and unknown keys
  warden_syntax_error: {
    key: undefined,
    line: 3,
    message: /^TOML syntax error: unexpected character encountered/,
  },
  warden_unknown_top_level_key: {
    key: "[limits]",
    line: 4,
    message: /is not a known key \(known keys: audit, hosts, components\)/,
  },
  warden_unknown_audit_key: {
    key: "[audit].format",
    line: 3,
    message: /is not a known key \(known keys: file, level\)/,
  },
  warden_unknown_hosts_key: {
    key: "[hosts].search_paths",
    line: 2,
    message: /is not a known key \(known keys: bundles, config\)/,
  },
  warden_bad_trust: {
    key: "[components].app.trust",
    line: 3,
    message: /"root" is not a trust class \(use "untrusted" or "trusted"\)/,
  },
  warden_unknown_component_key: {
    key: "[components].app.class",
    line: 3,
    message:
      /is not a known key \(known keys: path, digest, args, env, inherit_env, dirs, allow_net, inherit_network, grants, trust\)/,
  },
  warden_component_key_typo: {
    key: "[components].app.grant",
    line: 4,
    message: /is not a known key \(did you mean "grants"\?\)/,
  },
  warden_no_components: {
    key: "[components]",
    line: undefined,
    message:
      /^\[components\] is missing \(add a \[components\.app\] table with path = "app\.wasm"/,
  },
  warden_empty_components: {
    key: "[components]",
    line: 1,
    message: /has no component \(add a \[components\.app\] table/,
  },
  warden_component_not_table: {
    key: "[components].app",
    line: 2,
    message: /must be a table, not a string/,
  },
  warden_component_name_not_kebab: {
    key: "[components].My_App",
    line: 1,
    message:
      /"My_App" is not a valid component name \(use lowercase letters, digits and single hyphens, starting with a letter, e\.g\. "my-app"\)/,
  },

  // warden.toml: types
  warden_path_wrong_type: {
    key: "[components].app.path",
    line: 2,
    message: /must be a string, not an integer/,
  },
  warden_args_wrong_type: {
    key: "[components].app.args",
    line: 3,
    message: /must be an array of strings, not a string/,
  },
  warden_inherit_env_wrong_type: {
    key: "[components].app.inherit_env",
    line: 3,
    message: /must be true or false, not a string/,
  },
  warden_env_bad_name: {
    key: '[components].app.env."A=B"',
    line: 3,
    message: /is not an environment variable name \(it must be non-empty/,
  },
  warden_env_value_wrong_type: {
    key: "[components].app.env.DEBUG",
    line: 6,
    message: /must be a string, not a boolean/,
  },
  warden_grants_wrong_type: {
    key: "[components].app.grants",
    line: 3,
    message:
      /must be a table of grants or an array of --grant values, not a string/,
  },

  // warden.toml: paths (relative to the manifest, confined to its folder)
  warden_path_missing: {
    key: "[components].app.path",
    line: 1,
    message: /is missing \(add path = "app\.wasm", the component file/,
  },
  warden_path_not_found: {
    key: "[components].app.path",
    line: 2,
    message: /"dist\/app\.wasm" does not exist \(looked for ".+app\.wasm"\)/,
  },
  warden_path_dotdot: {
    key: "[components].app.path",
    line: 2,
    message:
      /"\.\.\/app\.wasm" leaves the manifest's folder \(it resolves to ".+"\)/,
  },
  warden_path_absolute: {
    key: "[components].app.path",
    line: 2,
    message:
      /"\/etc\/hosts" is an absolute path \(write it relative to the manifest's folder\)/,
  },
  warden_path_symlink: {
    key: "[components].app.path",
    line: 2,
    message:
      /"link\.wasm" leaves the manifest's folder through a symlink \(it resolves to ".+host\.ts"\)/,
    setup: (dir, outside) =>
      Deno.symlink(join(outside, "host.ts"), join(dir, "link.wasm")),
  },
  warden_audit_file_escapes: {
    key: "[audit].file",
    line: 2,
    message: /"logs\/\.\.\/\.\.\/audit\.jsonl" leaves the manifest's folder/,
  },
  warden_audit_folder_missing: {
    key: "[audit].file",
    line: 2,
    message:
      /"logs\/audit\.jsonl" is in a folder that does not exist \(".+logs"\) \(create the folder/,
  },
  warden_hosts_bundle_missing: {
    key: "[hosts].bundles[0]",
    line: 2,
    message: /"bundles\/keyvalue" does not exist/,
  },
  warden_dir_missing: {
    key: "[components].app.dirs[1]",
    line: 5,
    message: /"cache" does not exist/,
  },
  warden_dir_escapes: {
    key: "[components].app.dirs[0]",
    line: 3,
    message: /"\.\." leaves the manifest's folder/,
  },

  // warden.toml: values
  warden_bad_digest: {
    key: "[components].app.digest",
    line: 3,
    message:
      /"sha256:9f86d081884c7d659a2feaa0c55ad015" is not a digest \(write "sha256:" and the file's 64 hex digits/,
  },
  warden_bad_audit_level: {
    key: "[audit].level",
    line: 3,
    message:
      /"everything" is not an audit level \(use "all", "denials" or "off"\)/,
  },
  warden_bad_dir: {
    key: "[components].app.dirs[0]",
    line: 3,
    message:
      /"data::\/data::rx" is not a valid --dir value: expected HOST, HOST::GUEST, HOST::ro\|rw or HOST::GUEST::ro\|rw/,
  },
  warden_bad_allow_net: {
    key: "[components].app.allow_net[1]",
    line: 3,
    message:
      /"\*\.example\.com" is not a valid --allow-net value: expected HOST, HOST:PORT/,
  },
  warden_bad_grant: {
    key: '[components].app.grants."keyvalue:store/store#set".rate',
    line: 6,
    message: /"fast" is not a rate \(expected N\/s, N\/min or N\/h/,
  },
  warden_bad_grant_string: {
    key: "[components].app.grants[1]",
    line: 5,
    message: /is not a valid --grant value: unknown rule "size"/,
  },
};

const SYMLINKS = Deno.build.os !== "windows"; // creating them there needs privileges

Deno.test("every folder in tests/bad_manifests has an expected error, and at least 30 do", async () => {
  const folders: string[] = [];
  for await (const entry of Deno.readDir(CASES_DIR)) {
    if (entry.isDirectory) folders.push(entry.name);
  }
  assert.deepEqual(folders.sort(), Object.keys(CASES).sort());
  assert.ok(folders.length >= 30, `${folders.length} cases`);
});

for (const [name, expected] of Object.entries(CASES)) {
  Deno.test({
    name: `bad manifest "${name}" is one clear ManifestError`,
    ignore: expected.setup !== undefined && name.includes("symlink") &&
      !SYMLINKS,
    fn: async () => {
      const temp = await Deno.realPath(await Deno.makeTempDir());
      try {
        const dir = join(temp, name);
        const outside = join(temp, "outside");
        await _copy(join(CASES_DIR, name), dir);
        await Deno.mkdir(outside);
        await Deno.writeTextFile(join(outside, "evil.wit"), "package evil:x;");
        await Deno.writeTextFile(join(outside, "host.ts"), "export {};");
        await expected.setup?.(dir, outside);

        const manifest = await _manifestIn(dir);
        const error = await _error(
          manifest === "warden.toml"
            ? readWardenToml(join(dir, manifest))
            : manifest === "hosts.toml"
            ? readHostsToml(join(dir, manifest))
            : checkHostBundle(dir),
        );
        const file = expected.file ?? manifest;
        assert.equal(relative(dir, resolve(error.file)), join(file), "file");
        assert.equal(
          error.manifest,
          (["warden.toml", "hosts.toml", "host.toml"] as const).find((kind) =>
            file.endsWith(kind)
          ),
        );
        assert.equal(error.key, expected.key, "key");
        assert.equal(error.line, expected.line, "line");
        const prefix = new RegExp(
          `^(Invalid|Cannot read) ${error.manifest.replace(".", "\\.")} "`,
        );
        assert.match(error.message, prefix);
        const detail = error.message.slice(
          error.message.indexOf(`${error.file}": `) + error.file.length + 3,
        );
        assert.match(detail, expected.message);
        if (expected.key !== undefined) {
          assert.ok(detail.startsWith(`${expected.key} `), detail);
        }
        if (expected.line !== undefined) {
          assert.match(
            detail,
            new RegExp(`\\(line ${expected.line}(, column \\d+)?\\)$`),
          );
        }
        assert.doesNotMatch(error.message, /\n/, "one line");
        assert.doesNotMatch(error.message, /\bat .+:\d+:\d+/, "no stack trace");
      } finally {
        await Deno.remove(temp, { recursive: true });
      }
    },
  });
}

async function _error(promise: Promise<unknown>): Promise<ManifestError> {
  try {
    await promise;
  } catch (error) {
    assert.ok(
      error instanceof ManifestError,
      `expected a ManifestError, got ${
        error instanceof Error ? error.stack : error
      }`,
    );
    return error;
  }
  assert.fail("the manifest was accepted");
}

/** The manifest a case folder holds: warden.toml, else hosts.toml, else host.toml. */
async function _manifestIn(dir: string): Promise<ManifestKind> {
  for (const kind of ["warden.toml", "hosts.toml"] as const) {
    if (await _exists(join(dir, kind))) return kind;
  }
  return "host.toml";
}

async function _exists(path: string): Promise<boolean> {
  try {
    await Deno.stat(path);
    return true;
  } catch {
    return false;
  }
}

async function _copy(from: string, to: string): Promise<void> {
  await Deno.mkdir(to, { recursive: true });
  for await (const entry of Deno.readDir(from)) {
    if (entry.isDirectory) {
      await _copy(join(from, entry.name), join(to, entry.name));
    } else {
      await Deno.copyFile(join(from, entry.name), join(to, entry.name));
    }
  }
}
