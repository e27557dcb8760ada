// A placeholder implementation: bad-manifest fixtures are never loaded.
export {};
