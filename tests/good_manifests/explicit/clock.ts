// An implementation named directly by hosts.toml. Manifest tests only check
// that it exists.
export {};
